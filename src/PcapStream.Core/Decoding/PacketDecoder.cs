using System.Runtime.CompilerServices;

namespace PcapStream.Decoding;

/// <summary>
/// Decodes one frame from its link layer down to the transport header, in place, allocating nothing.
/// Packet bytes never throw: whatever cannot be decoded is named in <see cref="DecodedPacket.Anomaly"/>
/// and the layers before it are kept.
/// </summary>
/// <remarks>
/// The walk is a loop over <see cref="LayerKind"/>: each layer (one file each: Ethernet.cs, IPv4Header.cs, ...)
/// checks its length once, fills its fields and returns the next layer. A loop instead of recursion bounds the
/// work per packet (<see cref="MaxLayers"/>, <see cref="MaxTunnels"/>) whatever the bytes say, and a switch on a
/// small enum compiles to a jump table: no virtual dispatch per layer.
/// </remarks>
public static partial class PacketDecoder
{
    /// <summary>Most layers walked in one frame (VLAN tags, MPLS stacks, tunnel headers...) before too-many-layers.</summary>
    public const int MaxLayers = 64;

    /// <summary>Most IP-in-something nestings followed before too-many-layers.</summary>
    public const int MaxTunnels = 8;

    /// <summary>Decodes <paramref name="frame"/> (the captured bytes) of the given link type into <paramref name="packet"/>.</summary>
    /// <param name="frame">Captured bytes, starting at the link-layer header.</param>
    /// <param name="linkType">LINKTYPE_ value (FCS bits already masked).</param>
    /// <param name="wireLength">Original length on the wire.</param>
    /// <param name="packet">Reset and filled by the call.</param>
    public static void Decode(ReadOnlySpan<byte> frame, int linkType, int wireLength, ref DecodedPacket packet)
    {
        packet.Reset();
        packet.LinkType = linkType;
        packet.WireLength = wireLength;
        packet.CapturedLength = frame.Length;

        DecodeState state = default;
        LayerKind next;
        if (linkType == 1)
        {
            // The common path (Ethernet, IPv4, TCP/UDP) by direct calls: no jump through DecodeLayer's table.
            next = Ethernet(frame, ref state, ref packet);
            if (next == LayerKind.IPv4)
            {
                next = IPv4(frame, ref state, ref packet);
                if (next == LayerKind.Tcp)
                {
                    Tcp(frame, ref state, ref packet);
                    return;
                }
            }
            state.Steps = 2;
        }
        else
        {
            next = LinkLayer(linkType, ref packet);
        }
        while (next != LayerKind.Done)
        {
            if (++state.Steps > MaxLayers)
            {
                Stop(ref packet, Anomaly.TooManyLayers);
                return;
            }
            next = DecodeLayer(next, frame, ref state, ref packet);
        }
    }

    /// <summary>The first layer of a link type, or Done with unsupported-link-type.</summary>
    private static LayerKind LinkLayer(int linkType, ref DecodedPacket p) => linkType switch
    {
        1 => LayerKind.Ethernet,
        12 or 14 or 101 => LayerKind.RawIp,
        228 => LayerKind.IPv4,
        229 => LayerKind.IPv6,
        0 => LayerKind.NullLoopback,
        108 => LayerKind.Loop,
        113 => LayerKind.LinuxSll,
        276 => LayerKind.LinuxSll2,
        9 or 50 => LayerKind.Ppp,
        51 => LayerKind.PppoeSession, // LINKTYPE_PPP_ETHER: a PPPoE session header without Ethernet
        104 => LayerKind.CiscoHdlc,
        105 => LayerKind.Ieee80211,
        127 => LayerKind.Radiotap,
        192 => LayerKind.Ppi,
        _ => Stop(ref p, Anomaly.UnsupportedLinkType),
    };

    private static LayerKind DecodeLayer(LayerKind kind, ReadOnlySpan<byte> f, ref DecodeState s, ref DecodedPacket p) => kind switch
    {
        LayerKind.Ethernet => Ethernet(f, ref s, ref p),
        LayerKind.IPv4 => IPv4(f, ref s, ref p),
        LayerKind.Tcp => Tcp(f, ref s, ref p),
        LayerKind.Udp => Udp(f, ref s, ref p),
        LayerKind.IPv6 => IPv6(f, ref s, ref p),
        LayerKind.Vlan => Vlan(f, ref s, ref p),
        LayerKind.Icmp or LayerKind.Icmpv6 => Icmp(f, ref s, ref p),
        LayerKind.Sctp => Sctp(f, ref s, ref p),
        LayerKind.Llc => Llc(f, ref s, ref p),
        LayerKind.Mpls => Mpls(f, ref s, ref p),
        LayerKind.PppoeSession => PppoeSession(f, ref s, ref p),
        LayerKind.Ppp => Ppp(f, ref s, ref p),
        LayerKind.CiscoHdlc => CiscoHdlc(f, ref s, ref p),
        LayerKind.NullLoopback => NullLoopback(f, ref s, ref p, networkOrder: false),
        LayerKind.Loop => NullLoopback(f, ref s, ref p, networkOrder: true),
        LayerKind.LinuxSll => LinuxSll(f, ref s, ref p),
        LayerKind.LinuxSll2 => LinuxSll2(f, ref s, ref p),
        LayerKind.Radiotap => Radiotap(f, ref s, ref p),
        LayerKind.Ppi => Ppi(f, ref s, ref p),
        LayerKind.Ieee80211 => Ieee80211(f, ref s, ref p),
        LayerKind.AristaAvsp => AristaAvsp(f, ref s, ref p),
        LayerKind.CiscoMetadata => CiscoMetadata(f, ref s, ref p, inGre: false),
        LayerKind.CiscoMetadataGre => CiscoMetadata(f, ref s, ref p, inGre: true),
        LayerKind.RawIp => RawIp(f, ref s, ref p),
        LayerKind.AuthenticationHeader => AuthenticationHeader(f, ref s, ref p),
        LayerKind.Gre => Gre(f, ref s, ref p),
        LayerKind.ErspanII => ErspanII(f, ref s, ref p),
        LayerKind.ErspanIII => ErspanIII(f, ref s, ref p),
        LayerKind.Vxlan => Vxlan(f, ref s, ref p),
        LayerKind.Geneve => Geneve(f, ref s, ref p),
        LayerKind.GtpU => GtpU(f, ref s, ref p),
        LayerKind.Teredo => Teredo(f, ref s, ref p),
        _ => LayerKind.Done,
    };

    /// <summary>Records why the walk stops (the first reason wins) and ends it.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static LayerKind Stop(ref DecodedPacket p, Anomaly anomaly)
    {
        if (p.Anomaly == Anomaly.None)
        {
            p.Anomaly = anomaly;
        }
        return LayerKind.Done;
    }

    /// <summary>Raw IP link types (12, 14, 101): the first nibble says which IP version follows.</summary>
    private static LayerKind RawIp(ReadOnlySpan<byte> f, ref DecodeState s, ref DecodedPacket p)
    {
        if (s.Offset >= f.Length)
        {
            return Stop(ref p, Anomaly.Truncated);
        }
        return (f[s.Offset] >> 4) switch
        {
            4 => LayerKind.IPv4,
            6 => LayerKind.IPv6,
            _ => Stop(ref p, Anomaly.UnknownNextProtocol),
        };
    }
}
