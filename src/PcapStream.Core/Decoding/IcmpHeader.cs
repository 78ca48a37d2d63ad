namespace PcapStream.Decoding;

public static partial class PacketDecoder
{
    /// <summary>
    /// ICMP and ICMPv6: type and code. Error messages (unreachable, time exceeded, ...) quote the start of the packet
    /// that caused them; that quote is NOT decoded as a packet: the addresses stay those of the ICMP packet and there
    /// are no ports. The payload is what follows the 8-byte header (rest-of-header word included).
    /// </summary>
    private static LayerKind Icmp(ReadOnlySpan<byte> f, ref DecodeState s, ref DecodedPacket p)
    {
        int o = s.Offset;
        if (f.Length - o < 4)
        {
            return Stop(ref p, Anomaly.Truncated);
        }
        p.HasIcmp = true;
        p.IcmpType = f[o];
        p.IcmpCode = f[o + 1];
        p.PayloadLength = Math.Max(0, s.IpEnd - (o + 8));
        return LayerKind.Done;
    }
}
