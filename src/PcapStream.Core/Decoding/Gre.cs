using System.Buffers.Binary;
using System.Runtime.CompilerServices;

namespace PcapStream.Decoding;

public static partial class PacketDecoder
{
    private const int MaxGreSourceRouteEntries = 16;

    /// <summary>
    /// GRE (IP protocol 47). Version 0 (RFC 2784/2890, and RFC 1701's routing): flags, protocol type, then optional
    /// checksum+offset (C or R), key (K), sequence (S) words and, with R, source route entries up to a null one.
    /// Version 1 is PPTP's enhanced GRE (RFC 2637): key (payload length + call id) is mandatory, then sequence (S)
    /// and acknowledgement (A); it carries PPP. The protocol type is an EtherType: IPv4/IPv6 (GRE-in-GRE included),
    /// 0x6558 Ethernet, 0x88BE ERSPAN type I (no sequence bit) or II, 0x22EB ERSPAN III, MPLS, Cisco MetaData.
    /// A GRE packet without payload (PPTP acknowledgements, keepalives) ends the walk without an anomaly.
    /// </summary>
    private static LayerKind Gre(ReadOnlySpan<byte> f, ref DecodeState s, ref DecodedPacket p)
    {
        int o = s.Offset;
        if (f.Length - o < 4)
        {
            return Stop(ref p, Anomaly.Truncated);
        }
        ushort flags = BinaryPrimitives.ReadUInt16BigEndian(f.Slice(o, 2));
        ushort protocol = BinaryPrimitives.ReadUInt16BigEndian(f.Slice(o + 2, 2));
        int length;
        switch (flags & 0x0007)
        {
            case 0:
                length = 4;
                if ((flags & 0xC000) != 0)
                {
                    length += 4; // checksum + offset (present when C or R is set)
                }
                if ((flags & 0x2000) != 0)
                {
                    length += 4;
                }
                if ((flags & 0x1000) != 0)
                {
                    length += 4;
                }
                if ((flags & 0x4000) != 0 && !SkipGreRouting(f, o, ref length))
                {
                    return Stop(ref p, Anomaly.Truncated);
                }
                break;
            case 1:
                if ((flags & 0x2000) == 0 || protocol != 0x880B)
                {
                    return Stop(ref p, Anomaly.MalformedTunnel);
                }
                length = 8 + ((flags & 0x1000) != 0 ? 4 : 0) + ((flags & 0x0080) != 0 ? 4 : 0);
                break;
            default:
                return Stop(ref p, Anomaly.MalformedTunnel);
        }
        if (f.Length - o < length)
        {
            return Stop(ref p, Anomaly.Truncated);
        }
        bool erspan = protocol is 0x88BE or 0x22EB;
        SetTunnel(ref p, erspan ? TunnelKind.Erspan : TunnelKind.Gre);
        s.Offset = o + length;
        if (s.Offset >= s.IpEnd)
        {
            return LayerKind.Done;
        }
        return protocol switch
        {
            0x88BE => (flags & 0x1000) != 0 ? LayerKind.ErspanII : LayerKind.Ethernet,
            0x8909 => LayerKind.CiscoMetadataGre,
            _ => EtherType(protocol, ref p),
        };
    }

    /// <summary>Adds the RFC 1701 source route entries (address family, offset, length, data) up to the null entry.</summary>
    private static bool SkipGreRouting(ReadOnlySpan<byte> f, int o, ref int length)
    {
        for (int i = 0; i < MaxGreSourceRouteEntries; i++)
        {
            int sre = o + length;
            if (f.Length - sre < 4)
            {
                return false;
            }
            int family = BinaryPrimitives.ReadUInt16BigEndian(f.Slice(sre, 2));
            int entryLength = f[sre + 3];
            length += 4 + entryLength;
            if (family == 0 && entryLength == 0)
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>Names the packet's tunnel unless an outer tunnel already did (the column is the OUTERMOST kind).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void SetTunnel(ref DecodedPacket p, TunnelKind kind)
    {
        if (p.Tunnel == TunnelKind.None)
        {
            p.Tunnel = kind;
        }
    }
}
