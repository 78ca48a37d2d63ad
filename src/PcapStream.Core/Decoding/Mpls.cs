using System.Buffers.Binary;

namespace PcapStream.Decoding;

public static partial class PacketDecoder
{
    /// <summary>
    /// An MPLS label stack: 4-byte entries until the bottom-of-stack bit. MPLS does not name its payload, so, as
    /// Wireshark does: explicit-null labels 0/2 mean IPv4/IPv6, otherwise the first nibble decides (4 IPv4, 6 IPv6,
    /// 0 a pseudowire control word followed by Ethernet, 1 a PW associated channel: no IP).
    /// </summary>
    private static LayerKind Mpls(ReadOnlySpan<byte> f, ref DecodeState s, ref DecodedPacket p)
    {
        int o = s.Offset;
        bool outer = p.IpOffset < 0;
        uint entry;
        do
        {
            if (f.Length - o < 4)
            {
                return Stop(ref p, Anomaly.Truncated);
            }
            entry = BinaryPrimitives.ReadUInt32BigEndian(f.Slice(o, 4));
            o += 4;
            if (outer && p.MplsLabels < byte.MaxValue)
            {
                p.MplsLabels++;
            }
        }
        while ((entry & 0x100) == 0); // the stack is bounded by the frame: each entry consumes 4 bytes
        s.Offset = o;
        uint label = entry >> 12;
        if (label == 0)
        {
            return LayerKind.IPv4;
        }
        if (label == 2)
        {
            return LayerKind.IPv6;
        }
        if (o >= f.Length)
        {
            return Stop(ref p, Anomaly.Truncated);
        }
        switch (f[o] >> 4)
        {
            case 4: return LayerKind.IPv4;
            case 6: return LayerKind.IPv6;
            case 0:
                s.Offset = o + 4; // pseudowire control word, then the emulated Ethernet frame
                return LayerKind.Ethernet;
            case 1: return LayerKind.Done; // PW associated channel (OAM)
            default: return Stop(ref p, Anomaly.UnknownNextProtocol);
        }
    }
}
