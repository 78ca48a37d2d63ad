using System.Buffers.Binary;

namespace PcapStream.Decoding;

public static partial class PacketDecoder
{
    private const int EthernetHeaderLength = 14;

    /// <summary>Ethernet II or 802.3: 6 + 6 address bytes, then an EtherType (≥ 0x0600) or an 802.3 length (LLC follows).</summary>
    private static LayerKind Ethernet(ReadOnlySpan<byte> f, ref DecodeState s, ref DecodedPacket p)
    {
        int o = s.Offset;
        if (f.Length - o < EthernetHeaderLength)
        {
            return Stop(ref p, Anomaly.Truncated);
        }
        ushort type = BinaryPrimitives.ReadUInt16BigEndian(f.Slice(o + 12, 2));
        s.Offset = o + EthernetHeaderLength;
        return EtherType(type, ref p);
    }

    /// <summary>
    /// The layer an EtherType (Ethernet, VLAN, SLL, GRE protocol type, Geneve, SNAP...) names. Values up to 1500 are
    /// 802.3 lengths: LLC follows. Well-known non-IP protocols end the walk without an anomaly; anything else is
    /// unknown-next-protocol.
    /// </summary>
    private static LayerKind EtherType(ushort type, ref DecodedPacket p)
    {
        switch (type)
        {
            case 0x0800: return LayerKind.IPv4;
            case 0x86DD: return LayerKind.IPv6;
            case 0x8100: // 802.1Q
            case 0x88A8: // 802.1ad S-tag
            case 0x9100: // pre-standard QinQ
            case 0x9200:
                return LayerKind.Vlan;
            case 0x8847: // MPLS unicast
            case 0x8848: // MPLS multicast
                return LayerKind.Mpls;
            case 0x8864: return LayerKind.PppoeSession;
            case 0x880B: return LayerKind.Ppp;
            case 0x6558: return LayerKind.Ethernet; // transparent Ethernet bridging (GRE, Geneve)
            case 0xD28B: return LayerKind.AristaAvsp;
            case 0x8909: return LayerKind.CiscoMetadata;
            case 0x22EB: return LayerKind.ErspanIII;
        }
        if (type <= 1500)
        {
            return LayerKind.Llc;
        }
        return IsKnownNonIpEtherType(type) ? LayerKind.Done : Stop(ref p, Anomaly.UnknownNextProtocol);
    }

    /// <summary>Link-level protocols that carry no IP: a frame of these is complete, not an anomaly.</summary>
    private static bool IsKnownNonIpEtherType(ushort type) => type switch
    {
        0x0000 => true, // GRE keepalive
        0x0806 or 0x8035 => true, // ARP, RARP
        0x8863 => true, // PPPoE discovery
        0x88CC or 0x8809 or 0x8808 or 0x888E or 0x88F7 => true, // LLDP, slow protocols (LACP), pause, EAPOL, PTP
        0x9000 or 0x8902 or 0x893A or 0x88E5 => true, // loopback, CFM, IEEE 1905, MACsec (encrypted L2)
        0x8137 or 0x8138 or 0x809B or 0x80F3 => true, // IPX, AppleTalk, AARP
        0x6002 or 0x6003 or 0x6004 or 0x8038 => true, // DECnet MOP, routing, LAT, bridge
        0x886F or 0x890D or 0x8906 or 0x8914 => true, // MS NLB, 802.11 encapsulation, FCoE, FIP
        0x88B8 or 0x88B9 or 0x88BA or 0x88A4 or 0x8892 => true, // IEC 61850 GOOSE/GSE/SV, EtherCAT, PROFINET
        0x0842 or 0x8899 or 0x88E1 or 0x22F3 or 0x88E7 => true, // Wake-on-LAN, Realtek, HomePlug, TRILL, PBB
        0x2000 or 0x2004 or 0x010B => true, // Cisco CDP, DTP, PVST+ (SNAP protocol ids)
        _ => false,
    };
}
