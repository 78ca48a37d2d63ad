using System.Buffers.Binary;

namespace PcapStream.Decoding;

public static partial class PacketDecoder
{
    /// <summary>Cisco HDLC (link type 104): address, control, then an EtherType (SLARP 0x8035 and CDP carry no IP).</summary>
    private static LayerKind CiscoHdlc(ReadOnlySpan<byte> f, ref DecodeState s, ref DecodedPacket p)
    {
        int o = s.Offset;
        if (f.Length - o < 4)
        {
            return Stop(ref p, Anomaly.Truncated);
        }
        s.Offset = o + 4;
        return EtherType(BinaryPrimitives.ReadUInt16BigEndian(f.Slice(o + 2, 2)), ref p);
    }
}
