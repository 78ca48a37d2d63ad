using System.Buffers.Binary;

namespace PcapStream.Decoding;

public static partial class PacketDecoder
{
    /// <summary>
    /// Arista vendor-specific EtherType 0xD28B (AVSP), inserted by Arista switches in front of the frame's real
    /// EtherType: subtype (2 bytes, 1 = timestamp), version (2 bytes), a timestamp, then the original EtherType.
    /// The version's second nibble gives the timestamp size: 1 = 64-bit, 2 = 48-bit; the first nibble (hardware
    /// info, "R3") and the low nibble do not change the layout (tcpdump's print-arista.c reads 0x0011/0x0111/0x0021/
    /// 0x0121 so; tshark 4.0 stops at them, see the oracle README caveat 10).
    /// </summary>
    private static LayerKind AristaAvsp(ReadOnlySpan<byte> f, ref DecodeState s, ref DecodedPacket p)
    {
        int o = s.Offset;
        if (f.Length - o < 4)
        {
            return Stop(ref p, Anomaly.Truncated);
        }
        ushort subtype = BinaryPrimitives.ReadUInt16BigEndian(f.Slice(o, 2));
        ushort version = BinaryPrimitives.ReadUInt16BigEndian(f.Slice(o + 2, 2));
        if (subtype != 1)
        {
            return Stop(ref p, Anomaly.UnknownNextProtocol);
        }
        int timestampBytes = ((version >> 4) & 0xF) switch
        {
            1 => 8,
            2 => 6,
            _ => -1,
        };
        if (timestampBytes < 0)
        {
            return Stop(ref p, Anomaly.UnknownNextProtocol);
        }
        int next = o + 4 + timestampBytes;
        if (f.Length - next < 2)
        {
            return Stop(ref p, Anomaly.Truncated);
        }
        s.Offset = next + 2;
        return EtherType(BinaryPrimitives.ReadUInt16BigEndian(f.Slice(next, 2)), ref p);
    }
}
