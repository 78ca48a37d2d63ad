using System.Buffers.Binary;

namespace PcapStream.Decoding;

public static partial class PacketDecoder
{
    /// <summary>
    /// IEEE 802.2 LLC after an 802.3 length (or in 802.11). Only SNAP (AA AA 03) with the encapsulated-Ethernet OUIs
    /// carries an EtherType and so maybe IP; STP, CDP, NetBIOS and other LLC users end the walk without an anomaly.
    /// </summary>
    private static LayerKind Llc(ReadOnlySpan<byte> f, ref DecodeState s, ref DecodedPacket p)
    {
        int o = s.Offset;
        if (f.Length - o < 3)
        {
            return Stop(ref p, Anomaly.Truncated);
        }
        if (f[o] != 0xAA || f[o + 1] != 0xAA || f[o + 2] != 0x03)
        {
            return LayerKind.Done; // plain LLC (STP 0x42, NetBIOS 0xF0, raw IPX 0xFF...): no IP here
        }
        if (f.Length - o < 8)
        {
            return Stop(ref p, Anomaly.Truncated);
        }
        // OUI 00-00-00 (RFC 1042) and 00-00-F8 (802.1H bridge tunnel) mean "EtherType follows"; other OUIs
        // (Cisco 00-00-0C: CDP, DTP, PVST+) are vendor protocols.
        int oui = (f[o + 3] << 16) | (f[o + 4] << 8) | f[o + 5];
        if (oui != 0 && oui != 0xF8)
        {
            return LayerKind.Done;
        }
        ushort type = BinaryPrimitives.ReadUInt16BigEndian(f.Slice(o + 6, 2));
        s.Offset = o + 8;
        return type <= 1500 ? LayerKind.Done : EtherType(type, ref p);
    }
}
