using System.Buffers.Binary;

namespace PcapStream.Decoding;

public static partial class PacketDecoder
{
    /// <summary>
    /// Per-Packet Information header (link type 192): version, flags, little-endian header length, little-endian
    /// DLT of the frame that follows (usually 105, 802.11). The PPI fields themselves (radio info) are skipped.
    /// </summary>
    private static LayerKind Ppi(ReadOnlySpan<byte> f, ref DecodeState s, ref DecodedPacket p)
    {
        int o = s.Offset;
        if (f.Length - o < 8)
        {
            return Stop(ref p, Anomaly.Truncated);
        }
        int length = BinaryPrimitives.ReadUInt16LittleEndian(f.Slice(o + 2, 2));
        int dlt = (int)BinaryPrimitives.ReadUInt32LittleEndian(f.Slice(o + 4, 4));
        if (f[o] != 0 || length < 8)
        {
            return Stop(ref p, Anomaly.MalformedRadiotap);
        }
        if (f.Length - o < length)
        {
            return Stop(ref p, Anomaly.Truncated);
        }
        s.Offset = o + length;
        // Reject a nested PPI: the inner link type must not loop back to this layer.
        return dlt == 192 ? Stop(ref p, Anomaly.MalformedRadiotap) : LinkLayer(dlt, ref p);
    }
}
