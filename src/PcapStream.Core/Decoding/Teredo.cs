using System.Buffers.Binary;

namespace PcapStream.Decoding;

public static partial class PacketDecoder
{
    /// <summary>
    /// Teredo (RFC 4380, UDP 3544): IPv6 in UDP, optionally preceded by an authentication indicator (0x0001, id and
    /// auth lengths, id, auth value, 8-byte nonce, confirmation byte) and/or an origin indicator (0x0000, port and
    /// address: 8 bytes). When no IPv6 header follows, the datagram stays plain UDP.
    /// </summary>
    private static LayerKind Teredo(ReadOnlySpan<byte> f, ref DecodeState s, ref DecodedPacket p)
    {
        int o = s.Offset;
        if (f.Length - o >= 4 && BinaryPrimitives.ReadUInt16BigEndian(f.Slice(o, 2)) == 0x0001)
        {
            o += 4 + f[o + 2] + f[o + 3] + 8 + 1;
        }
        if (f.Length - o >= 2 && BinaryPrimitives.ReadUInt16BigEndian(f.Slice(o, 2)) == 0x0000)
        {
            o += 8;
        }
        if (o >= f.Length || (f[o] >> 4) != 6)
        {
            return LayerKind.Done;
        }
        SetTunnel(ref p, TunnelKind.Teredo);
        s.Offset = o;
        return LayerKind.IPv6;
    }
}
