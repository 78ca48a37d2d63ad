using System.Buffers.Binary;

namespace PcapStream.Decoding;

public static partial class PacketDecoder
{
    /// <summary>
    /// TCP (RFC 9293): ports, sequence, acknowledgement, data offset, 12 flag bits, window. A header cut by the snap
    /// length keeps the fields that were captured (ports from 4 bytes, as tshark shows them) and names
    /// truncated. A data offset below 5 words is malformed-tcp; the fields read are kept.
    /// </summary>
    private static LayerKind Tcp(ReadOnlySpan<byte> f, ref DecodeState s, ref DecodedPacket p)
    {
        int o = s.Offset;
        int available = f.Length - o;
        if (available < 20)
        {
            return TruncatedTcp(f, o, ref p);
        }
        ReadOnlySpan<byte> h = f.Slice(o, 20);
        p.HasPorts = true;
        p.SrcPort = BinaryPrimitives.ReadUInt16BigEndian(h);
        p.DstPort = BinaryPrimitives.ReadUInt16BigEndian(h.Slice(2, 2));
        p.HasTcp = true;
        p.TcpSeq = BinaryPrimitives.ReadUInt32BigEndian(h.Slice(4, 4));
        p.TcpAck = BinaryPrimitives.ReadUInt32BigEndian(h.Slice(8, 4));
        ushort offsetAndFlags = BinaryPrimitives.ReadUInt16BigEndian(h.Slice(12, 2));
        p.TcpFlags = (ushort)(offsetAndFlags & 0x0FFF);
        p.TcpWindow = BinaryPrimitives.ReadUInt16BigEndian(h.Slice(14, 2));
        int headerLength = (offsetAndFlags >> 12) << 2;
        if (headerLength < 20)
        {
            return Stop(ref p, Anomaly.MalformedTcp);
        }
        p.PayloadLength = Math.Max(0, s.IpEnd - (o + headerLength));
        return LayerKind.Done;
    }

    private static LayerKind TruncatedTcp(ReadOnlySpan<byte> f, int o, ref DecodedPacket p)
    {
        int available = f.Length - o;
        if (available >= 4)
        {
            p.HasPorts = true;
            p.SrcPort = BinaryPrimitives.ReadUInt16BigEndian(f.Slice(o, 2));
            p.DstPort = BinaryPrimitives.ReadUInt16BigEndian(f.Slice(o + 2, 2));
        }
        if (available >= 14)
        {
            p.HasTcp = true;
            p.TcpSeq = BinaryPrimitives.ReadUInt32BigEndian(f.Slice(o + 4, 4));
            p.TcpAck = BinaryPrimitives.ReadUInt32BigEndian(f.Slice(o + 8, 4));
            p.TcpFlags = (ushort)(BinaryPrimitives.ReadUInt16BigEndian(f.Slice(o + 12, 2)) & 0x0FFF);
        }
        return Stop(ref p, Anomaly.Truncated);
    }
}
