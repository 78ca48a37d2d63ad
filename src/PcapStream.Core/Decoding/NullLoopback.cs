using System.Buffers.Binary;

namespace PcapStream.Decoding;

public static partial class PacketDecoder
{
    /// <summary>
    /// BSD loopback: a 4-byte address family, in the capturing host's byte order for NULL (link type 0) and in
    /// network order for LOOP (108). The capturing host is unknown, so for NULL a value with its upper half set is
    /// taken as the other byte order (families are small numbers; libpcap and Wireshark do the same).
    /// AF_INET is 2 everywhere; AF_INET6 is 24 (NetBSD/OpenBSD), 28 (FreeBSD/DragonFly) or 30 (macOS), and 10 on Linux.
    /// </summary>
    private static LayerKind NullLoopback(ReadOnlySpan<byte> f, ref DecodeState s, ref DecodedPacket p, bool networkOrder)
    {
        int o = s.Offset;
        if (f.Length - o < 4)
        {
            return Stop(ref p, Anomaly.Truncated);
        }
        uint family = networkOrder
            ? BinaryPrimitives.ReadUInt32BigEndian(f.Slice(o, 4))
            : BinaryPrimitives.ReadUInt32LittleEndian(f.Slice(o, 4));
        if ((family & 0xFFFF_0000) != 0)
        {
            family = BinaryPrimitives.ReverseEndianness(family);
        }
        s.Offset = o + 4;
        return family switch
        {
            2 => LayerKind.IPv4,
            10 or 24 or 28 or 30 => LayerKind.IPv6,
            _ => Stop(ref p, Anomaly.UnknownNextProtocol),
        };
    }
}
