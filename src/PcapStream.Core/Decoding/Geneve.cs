using System.Buffers.Binary;

namespace PcapStream.Decoding;

public static partial class PacketDecoder
{
    /// <summary>
    /// Geneve (RFC 8926, UDP 6081): version (2 bits, must be 0), options length in 4-byte words (6 bits), flags,
    /// protocol type (an EtherType, 0x6558 for Ethernet), VNI, reserved: 8 bytes plus the options.
    /// A version other than 0 leaves the datagram as plain UDP.
    /// </summary>
    private static LayerKind Geneve(ReadOnlySpan<byte> f, ref DecodeState s, ref DecodedPacket p)
    {
        int o = s.Offset;
        if (f.Length - o < 8 || (f[o] >> 6) != 0)
        {
            return LayerKind.Done;
        }
        int length = 8 + ((f[o] & 0x3F) << 2);
        ushort protocol = BinaryPrimitives.ReadUInt16BigEndian(f.Slice(o + 2, 2));
        SetTunnel(ref p, TunnelKind.Geneve);
        if (f.Length - o < length)
        {
            return Stop(ref p, Anomaly.Truncated);
        }
        s.Offset = o + length;
        return EtherType(protocol, ref p);
    }
}
