using System.Buffers.Binary;

namespace PcapStream.Decoding;

public static partial class PacketDecoder
{
    /// <summary>
    /// Cisco MetaData (EtherType 0x8909, TrustSec SGT), 8 bytes. On Ethernet: version, length, option, SGT, then the
    /// next EtherType. Inside GRE the next type comes first, then version, length, option and SGT (as Wireshark's
    /// packet-cmd.c reads it; tunnels/various_gre.pcap has it).
    /// </summary>
    private static LayerKind CiscoMetadata(ReadOnlySpan<byte> f, ref DecodeState s, ref DecodedPacket p, bool inGre)
    {
        int o = s.Offset;
        if (f.Length - o < 8)
        {
            return Stop(ref p, Anomaly.Truncated);
        }
        ushort type = BinaryPrimitives.ReadUInt16BigEndian(f.Slice(inGre ? o : o + 6, 2));
        s.Offset = o + 8;
        return EtherType(type, ref p);
    }
}
