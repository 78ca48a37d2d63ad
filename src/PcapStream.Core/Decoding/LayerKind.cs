namespace PcapStream.Decoding;

/// <summary>
/// Identity of every layer the decoder walks (one enum, gopacket's LayerType habit). The decode loop in
/// <see cref="PacketDecoder"/> switches on it, so adding a layer means one value here, one case there and one file.
/// </summary>
internal enum LayerKind : byte
{
    /// <summary>Nothing more to decode (end of the walk, or stopped with an anomaly).</summary>
    Done = 0,
    Ethernet,
    Llc,
    Vlan,
    Mpls,
    PppoeSession,
    Ppp,
    CiscoHdlc,
    NullLoopback,
    Loop,
    LinuxSll,
    LinuxSll2,
    Radiotap,
    Ppi,
    Ieee80211,
    AristaAvsp,
    CiscoMetadata,
    CiscoMetadataGre,
    /// <summary>Raw IP: the version nibble picks IPv4 or IPv6.</summary>
    RawIp,
    IPv4,
    IPv6,
    /// <summary>IPsec Authentication Header after an IPv4 header (inside IPv6 it is part of the extension walk).</summary>
    AuthenticationHeader,
    Tcp,
    Udp,
    Icmp,
    Icmpv6,
    Sctp,
    Gre,
    ErspanII,
    ErspanIII,
    Vxlan,
    Geneve,
    GtpU,
    Teredo,
}

/// <summary>Where the walk is inside the frame; lives on the stack of one <see cref="PacketDecoder.Decode"/> call.</summary>
internal struct DecodeState
{
    /// <summary>Offset in the frame of the layer about to be decoded.</summary>
    public int Offset;
    /// <summary>Frame offset where the current IP packet ends according to its header (may exceed the captured bytes).</summary>
    public int IpEnd;
    /// <summary>Layers decoded so far (bounds the walk: VLAN/MPLS stacks and tunnels in tunnels).</summary>
    public int Steps;
    /// <summary>IP headers entered inside another IP packet (tunnel nesting depth).</summary>
    public int Tunnels;
    /// <summary>Radiotap said the 802.11 header is padded to a 32-bit boundary.</summary>
    public bool WlanDataPad;
}
