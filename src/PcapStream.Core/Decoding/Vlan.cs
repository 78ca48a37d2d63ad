using System.Buffers.Binary;

namespace PcapStream.Decoding;

public static partial class PacketDecoder
{
    /// <summary>
    /// One 802.1Q / 802.1ad / QinQ tag: 2 bytes TCI (PCP, DEI, 12-bit VID) and the next EtherType. Only tags before
    /// the outer IP header count (<see cref="DecodedPacket.Vlan"/> is the outermost, as tshark's first vlan.id);
    /// tags on an Ethernet frame inside a tunnel belong to the tunnelled network, not to the capture point.
    /// </summary>
    private static LayerKind Vlan(ReadOnlySpan<byte> f, ref DecodeState s, ref DecodedPacket p)
    {
        int o = s.Offset;
        if (f.Length - o < 4)
        {
            return Stop(ref p, Anomaly.Truncated);
        }
        if (p.IpOffset < 0)
        {
            if (p.VlanCount == 0)
            {
                p.Vlan = BinaryPrimitives.ReadUInt16BigEndian(f.Slice(o, 2)) & 0x0FFF;
            }
            if (p.VlanCount < byte.MaxValue)
            {
                p.VlanCount++;
            }
        }
        ushort type = BinaryPrimitives.ReadUInt16BigEndian(f.Slice(o + 2, 2));
        s.Offset = o + 4;
        return EtherType(type, ref p);
    }
}
