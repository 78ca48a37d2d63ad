using System.Buffers.Binary;

namespace PcapStream.Decoding;

public static partial class PacketDecoder
{
    private const ushort ArphrdIpGre = 778;
    private const ushort ArphrdNetlink = 824;

    /// <summary>
    /// Linux cooked capture v1 (link type 113), 16 bytes: packet type, ARPHRD type, address length, 8 address bytes,
    /// protocol. The protocol is an EtherType, except 1 (Novell 802.3) and 4 (802.2 LLC follows).
    /// </summary>
    private static LayerKind LinuxSll(ReadOnlySpan<byte> f, ref DecodeState s, ref DecodedPacket p)
    {
        int o = s.Offset;
        if (f.Length - o < 16)
        {
            return Stop(ref p, Anomaly.Truncated);
        }
        ushort hatype = BinaryPrimitives.ReadUInt16BigEndian(f.Slice(o + 2, 2));
        ushort protocol = BinaryPrimitives.ReadUInt16BigEndian(f.Slice(o + 14, 2));
        s.Offset = o + 16;
        return CookedProtocol(hatype, protocol, ref p);
    }

    /// <summary>The next layer of an SLL/SLL2 header.</summary>
    private static LayerKind CookedProtocol(ushort hatype, ushort protocol, ref DecodedPacket p)
    {
        if (hatype == ArphrdNetlink)
        {
            return LayerKind.Done; // netlink messages, not network packets
        }
        if (hatype == ArphrdIpGre && protocol == 0x6558)
        {
            return LayerKind.Ethernet;
        }
        return protocol switch
        {
            0x0001 => LayerKind.Done, // Novell raw 802.3
            0x0004 => LayerKind.Llc,
            0x000C => LayerKind.Done, // CAN
            _ when protocol <= 1500 => LayerKind.Done,
            _ => EtherType(protocol, ref p),
        };
    }
}
