using System.Buffers.Binary;

namespace PcapStream.Decoding;

public static partial class PacketDecoder
{
    /// <summary>Most IPv6 extension headers walked in one packet (the corpus has a chain of 100).</summary>
    public const int MaxIPv6ExtensionHeaders = 256;

    /// <summary>
    /// Walks the IPv6 extension-header chain: Hop-by-Hop (0), Routing (43, incl. segment routing), Destination
    /// Options (60), HIP (139), Shim6 (140) are (length+1)×8 bytes; Fragment (44) is 8 bytes; AH (51) is
    /// (length+2)×4 bytes. ESP (50) stops the walk (encrypted), as do No Next Header (59) and Mobility (135),
    /// which carry no transport. <see cref="DecodedPacket.IpProto"/> ends as the protocol actually carried.
    /// A fragment with a non-zero offset stops after its header: the transport header is in the first fragment.
    /// </summary>
    private static LayerKind IPv6Extensions(ReadOnlySpan<byte> f, byte next, ref DecodeState s, ref DecodedPacket p)
    {
        int o = s.Offset;
        for (int count = 0; ; count++)
        {
            p.IpProto = next;
            int length;
            switch (next)
            {
                case 0:
                case 43:
                case 60:
                case 139:
                case 140:
                    if (f.Length - o < 2)
                    {
                        return Stop(ref p, Anomaly.Truncated);
                    }
                    length = (f[o + 1] + 1) << 3;
                    break;
                case 51:
                    if (f.Length - o < 2)
                    {
                        return Stop(ref p, Anomaly.Truncated);
                    }
                    length = (f[o + 1] + 2) << 2;
                    break;
                case 44:
                    if (f.Length - o < 8)
                    {
                        return Stop(ref p, Anomaly.Truncated);
                    }
                    length = 8;
                    ushort offsetAndFlags = BinaryPrimitives.ReadUInt16BigEndian(f.Slice(o + 2, 2));
                    p.FragmentOffset = offsetAndFlags & 0xFFF8;
                    p.MoreFragments = (offsetAndFlags & 1) != 0;
                    p.IsFragment = p.MoreFragments || p.FragmentOffset != 0;
                    p.IpId = BinaryPrimitives.ReadUInt32BigEndian(f.Slice(o + 4, 4));
                    if (p.FragmentOffset != 0)
                    {
                        // Everything after a later fragment's header is payload data, not more headers.
                        p.IpProto = f[o];
                        s.Offset = o + 8;
                        return LayerKind.Done;
                    }
                    break;
                case 50:
                    s.Offset = o;
                    return Stop(ref p, Anomaly.Encrypted);
                case 59:
                case 135:
                    s.Offset = o;
                    p.TransportOffset = o;
                    return LayerKind.Done;
                default:
                    s.Offset = o;
                    return IpProtocol(next, ref s, ref p);
            }
            if (count >= MaxIPv6ExtensionHeaders)
            {
                return Stop(ref p, Anomaly.TooManyLayers);
            }
            if (f.Length - o < length)
            {
                return Stop(ref p, Anomaly.Truncated);
            }
            next = f[o];
            o += length;
        }
    }
}
