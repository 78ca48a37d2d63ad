using System.Buffers.Binary;

namespace PcapStream.Decoding;

public static partial class PacketDecoder
{
    private const ushort VxlanPort = 4789;
    private const ushort GenevePort = 6081;
    private const ushort GtpUserPort = 2152;
    private const ushort TeredoPort = 3544;

    /// <summary>
    /// UDP (RFC 768, and UDP-Lite): ports, length, checksum. A length below 8 is malformed-udp (ports kept, no tunnel
    /// decoding). UDP tunnels are recognised by port, destination first then source (VXLAN 4789, Geneve 6081,
    /// GTP-U 2152, Teredo 3544); each checks its own header and, when it does not look right, the packet stays a
    /// plain UDP packet.
    /// </summary>
    private static LayerKind Udp(ReadOnlySpan<byte> f, ref DecodeState s, ref DecodedPacket p)
    {
        int o = s.Offset;
        if (f.Length - o < 8)
        {
            if (f.Length - o >= 4)
            {
                p.HasPorts = true;
                p.SrcPort = BinaryPrimitives.ReadUInt16BigEndian(f.Slice(o, 2));
                p.DstPort = BinaryPrimitives.ReadUInt16BigEndian(f.Slice(o + 2, 2));
            }
            return Stop(ref p, Anomaly.Truncated);
        }
        ReadOnlySpan<byte> h = f.Slice(o, 8);
        ushort srcPort = BinaryPrimitives.ReadUInt16BigEndian(h);
        ushort dstPort = BinaryPrimitives.ReadUInt16BigEndian(h.Slice(2, 2));
        p.HasPorts = true;
        p.SrcPort = srcPort;
        p.DstPort = dstPort;
        p.HasUdp = true;
        p.UdpLength = BinaryPrimitives.ReadUInt16BigEndian(h.Slice(4, 2));
        p.UdpChecksum = BinaryPrimitives.ReadUInt16BigEndian(h.Slice(6, 2));
        p.PayloadLength = Math.Max(0, s.IpEnd - (o + 8));
        if (p.UdpLength < 8 && !(p.UdpLength == 0 && p.IpVersion == 6) && p.IpProto == 17)
        {
            return Stop(ref p, Anomaly.MalformedUdp); // (length 0 is legal for IPv6 jumbograms)
        }
        s.Offset = o + 8;
        if (p.IsFragment)
        {
            return LayerKind.Done; // only the start of the tunnelled packet is here; do not guess
        }
        LayerKind tunnel = UdpTunnel(dstPort);
        return tunnel != LayerKind.Done ? tunnel : UdpTunnel(srcPort);
    }

    private static LayerKind UdpTunnel(ushort port) => port switch
    {
        VxlanPort => LayerKind.Vxlan,
        GenevePort => LayerKind.Geneve,
        GtpUserPort => LayerKind.GtpU,
        TeredoPort => LayerKind.Teredo,
        _ => LayerKind.Done,
    };
}
