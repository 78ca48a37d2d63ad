using System.Buffers.Binary;

namespace PcapStream.Decoding;

public static partial class PacketDecoder
{
    /// <summary>SCTP (RFC 9260) common header: ports, verification tag, checksum (12 bytes); chunks are payload.</summary>
    private static LayerKind Sctp(ReadOnlySpan<byte> f, ref DecodeState s, ref DecodedPacket p)
    {
        int o = s.Offset;
        if (f.Length - o < 4)
        {
            return Stop(ref p, Anomaly.Truncated);
        }
        p.HasPorts = true;
        p.SrcPort = BinaryPrimitives.ReadUInt16BigEndian(f.Slice(o, 2));
        p.DstPort = BinaryPrimitives.ReadUInt16BigEndian(f.Slice(o + 2, 2));
        if (f.Length - o < 12)
        {
            return Stop(ref p, Anomaly.Truncated);
        }
        p.PayloadLength = Math.Max(0, s.IpEnd - (o + 12));
        return LayerKind.Done;
    }
}
