using System.Buffers.Binary;

namespace PcapStream.Decoding;

public static partial class PacketDecoder
{
    private const uint RadiotapTsft = 1u << 0;
    private const uint RadiotapFlags = 1u << 1;
    private const uint RadiotapExtended = 1u << 31;
    private const byte RadiotapFlagDataPad = 0x20;

    /// <summary>
    /// Radiotap (link type 127): version 0, pad, little-endian length of the whole header, presence bitmaps (chained
    /// by bit 31), then fields aligned to their size. Only the Flags field matters here: its data-pad bit says the
    /// 802.11 header is padded to 4 bytes. An FCS at the end (flag 0x10) does not move any header.
    /// </summary>
    private static LayerKind Radiotap(ReadOnlySpan<byte> f, ref DecodeState s, ref DecodedPacket p)
    {
        int o = s.Offset;
        if (f.Length - o < 8)
        {
            return Stop(ref p, Anomaly.Truncated);
        }
        int length = BinaryPrimitives.ReadUInt16LittleEndian(f.Slice(o + 2, 2));
        if (f[o] != 0 || length < 8)
        {
            return Stop(ref p, Anomaly.MalformedRadiotap);
        }
        if (f.Length - o < length)
        {
            return Stop(ref p, Anomaly.Truncated);
        }
        ReadOnlySpan<byte> header = f.Slice(o, length);
        uint firstPresent = BinaryPrimitives.ReadUInt32LittleEndian(header.Slice(4, 4));
        int pos = 8;
        uint present = firstPresent;
        while ((present & RadiotapExtended) != 0)
        {
            if (header.Length - pos < 4)
            {
                return Stop(ref p, Anomaly.MalformedRadiotap);
            }
            present = BinaryPrimitives.ReadUInt32LittleEndian(header.Slice(pos, 4));
            pos += 4;
        }
        if ((firstPresent & RadiotapTsft) != 0)
        {
            pos = ((pos + 7) & ~7) + 8; // TSFT is a 64-bit field aligned to 8 from the start of the header
        }
        if ((firstPresent & RadiotapFlags) != 0)
        {
            if (pos >= header.Length)
            {
                return Stop(ref p, Anomaly.MalformedRadiotap);
            }
            s.WlanDataPad = (header[pos] & RadiotapFlagDataPad) != 0;
        }
        s.Offset = o + length;
        return LayerKind.Ieee80211;
    }
}
