namespace PcapStream.Decoding;

/// <summary>
/// The decoded headers of one packet, filled in place by <see cref="PacketDecoder.Decode"/> (no allocation).
/// For tunnelled traffic the address/port/transport fields describe the INNERMOST packet; <see cref="Tunnel"/>,
/// <see cref="OuterSrc"/> and <see cref="OuterDst"/> describe the outermost IP header (Arkime/Zeek convention).
/// ICMP errors quote an inner header: that is not a tunnel, the fields stay those of the ICMP packet.
/// Fields a packet does not have are left at their "absent" value (see each field). Reuse one instance per
/// thread and let the decoder reset it.
/// </summary>
public struct DecodedPacket
{
    // ---- link layer ----------------------------------------------------------------------------------
    /// <summary>LINKTYPE_ of the frame.</summary>
    public int LinkType;
    /// <summary>Wire length (<c>len</c>) of the frame in bytes.</summary>
    public int WireLength;
    /// <summary>Captured length (<c>caplen</c>) of the frame in bytes.</summary>
    public int CapturedLength;
    /// <summary>Outermost 802.1Q/802.1ad VLAN id (12 bits), or -1 when the frame has no tag before the outer IP header.</summary>
    public int Vlan;
    /// <summary>Number of VLAN tags before the outer IP header (2 for QinQ).</summary>
    public byte VlanCount;
    /// <summary>Number of MPLS labels before the outer IP header.</summary>
    public byte MplsLabels;

    // ---- network layer (innermost IP header) ---------------------------------------------------------
    /// <summary>4 or 6; 0 when the packet has no IP header.</summary>
    public byte IpVersion;
    /// <summary>Source address (innermost). IPv4 is stored IPv4-mapped.</summary>
    public IpAddress16 Src;
    /// <summary>Destination address (innermost).</summary>
    public IpAddress16 Dst;
    /// <summary>Transport protocol actually carried (after IPv6 extension headers and AH): 6 TCP, 17 UDP, 1 ICMP, 58 ICMPv6, 132 SCTP, ...</summary>
    public byte IpProto;
    /// <summary>IPv4 TTL or IPv6 hop limit.</summary>
    public byte Ttl;
    /// <summary>IPv4 Don't Fragment bit.</summary>
    public bool DontFragment;
    /// <summary>More Fragments bit (IPv4 header, or IPv6 Fragment header).</summary>
    public bool MoreFragments;
    /// <summary>Fragment offset in BYTES (IPv4 offset field × 8, or the IPv6 Fragment header's).</summary>
    public int FragmentOffset;
    /// <summary>True when the IP packet is a fragment (offset &gt; 0 or MF set); only the first fragment carries ports.</summary>
    public bool IsFragment;
    /// <summary>IPv4 identification, or the IPv6 Fragment header's identification (ties later fragments to the first).</summary>
    public uint IpId;
    /// <summary>Bytes of the innermost IP packet as its header states (IPv4 total length; IPv6 40 + payload length).</summary>
    public int IpLength;

    // ---- transport -----------------------------------------------------------------------------------
    /// <summary>True when <see cref="SrcPort"/>/<see cref="DstPort"/> were read (TCP, UDP, SCTP first fragment).</summary>
    public bool HasPorts;
    public ushort SrcPort;
    public ushort DstPort;
    /// <summary>True when a TCP header was read (then the Tcp* fields are valid).</summary>
    public bool HasTcp;
    public uint TcpSeq;
    public uint TcpAck;
    /// <summary>The 12-bit TCP flags field (NS, CWR, ECE, URG, ACK, PSH, RST, SYN, FIN = bits 8..0).</summary>
    public ushort TcpFlags;
    public ushort TcpWindow;
    /// <summary>True when a UDP header was read.</summary>
    public bool HasUdp;
    public ushort UdpLength;
    public ushort UdpChecksum;
    /// <summary>True when an ICMP or ICMPv6 header was read (type and code valid).</summary>
    public bool HasIcmp;
    public byte IcmpType;
    public byte IcmpCode;
    /// <summary>Bytes of transport payload as the headers state (not limited by caplen); 0 when unknown.</summary>
    public int PayloadLength;

    // ---- tunnels -------------------------------------------------------------------------------------
    /// <summary>Outermost tunnel the packet was carried in, or None.</summary>
    public TunnelKind Tunnel;
    /// <summary>IP version of the outermost IP header (equals <see cref="IpVersion"/> without a tunnel).</summary>
    public byte OuterIpVersion;
    /// <summary>Source of the outermost IP header (only meaningful when <see cref="Tunnel"/> is not None).</summary>
    public IpAddress16 OuterSrc;
    /// <summary>Destination of the outermost IP header (only meaningful when <see cref="Tunnel"/> is not None).</summary>
    public IpAddress16 OuterDst;

    // ---- outcome -------------------------------------------------------------------------------------
    /// <summary>Why the decode stopped early, or None.</summary>
    public Anomaly Anomaly;
    /// <summary>Offset in the frame of the innermost IP header, or -1.</summary>
    public int IpOffset;
    /// <summary>Offset in the frame of the transport header, or -1.</summary>
    public int TransportOffset;

    /// <summary>Clears every field to its "absent" value before a new decode.</summary>
    public void Reset()
    {
        this = default;
        Vlan = -1;
        IpOffset = -1;
        TransportOffset = -1;
    }
}
