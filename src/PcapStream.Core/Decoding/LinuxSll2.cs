using System.Buffers.Binary;

namespace PcapStream.Decoding;

public static partial class PacketDecoder
{
    /// <summary>
    /// Linux cooked capture v2 (link type 276), 20 bytes: protocol, reserved, interface index, ARPHRD type, packet
    /// type, address length, 8 address bytes. The protocol has the meaning it has in SLL v1.
    /// </summary>
    private static LayerKind LinuxSll2(ReadOnlySpan<byte> f, ref DecodeState s, ref DecodedPacket p)
    {
        int o = s.Offset;
        if (f.Length - o < 20)
        {
            return Stop(ref p, Anomaly.Truncated);
        }
        ushort protocol = BinaryPrimitives.ReadUInt16BigEndian(f.Slice(o, 2));
        ushort hatype = BinaryPrimitives.ReadUInt16BigEndian(f.Slice(o + 8, 2));
        s.Offset = o + 20;
        return CookedProtocol(hatype, protocol, ref p);
    }
}
