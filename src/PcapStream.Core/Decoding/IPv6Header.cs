using System.Buffers.Binary;

namespace PcapStream.Decoding;

public static partial class PacketDecoder
{
    /// <summary>
    /// IPv6 (RFC 8200): 40 bytes, then the extension-header chain (IPv6ExtensionHeaders.cs). A payload length of 0
    /// (jumbogram, or TSO) is replaced by the captured bytes after the header.
    /// </summary>
    private static LayerKind IPv6(ReadOnlySpan<byte> f, ref DecodeState s, ref DecodedPacket p)
    {
        int o = s.Offset;
        bool inner = p.IpOffset >= 0;
        if (inner && !EnterTunnel(ref s, ref p))
        {
            return LayerKind.Done;
        }
        if (f.Length - o < 40)
        {
            if (!inner && o < f.Length && (f[o] >> 4) == 6)
            {
                p.IpVersion = p.OuterIpVersion = 6;
            }
            return Stop(ref p, Anomaly.Truncated);
        }
        ReadOnlySpan<byte> h = f.Slice(o, 40);
        if ((h[0] >> 4) != 6)
        {
            return Stop(ref p, Anomaly.MalformedIPv6);
        }
        if (inner)
        {
            ClearInnerFields(ref p);
        }
        int payloadLength = BinaryPrimitives.ReadUInt16BigEndian(h.Slice(4, 2));
        if (payloadLength == 0)
        {
            payloadLength = f.Length - o - 40;
        }
        byte next = h[6];
        p.IpVersion = 6;
        p.IpOffset = o;
        p.IpLength = 40 + payloadLength;
        p.IpProto = next;
        p.Ttl = h[7];
        p.Src = IpAddress16.FromIPv6(h.Slice(8, 16));
        p.Dst = IpAddress16.FromIPv6(h.Slice(24, 16));
        if (!inner)
        {
            p.OuterIpVersion = 6;
            p.OuterSrc = p.Src;
            p.OuterDst = p.Dst;
        }
        s.IpEnd = o + 40 + payloadLength;
        s.Offset = o + 40;
        return IPv6Extensions(f, next, ref s, ref p);
    }
}
