namespace PcapStream.Decoding;

public static partial class PacketDecoder
{
    /// <summary>
    /// PPP (link types 9 and 50, PPPoE sessions, PPTP's GRE): an optional HDLC address/control pair FF 03, then the
    /// protocol field, 1 byte when compressed (odd value, RFC 1661 PFC) or 2 bytes. Control protocols (LCP, IPCP,
    /// CHAP..., 0x8000 and above) carry no IP and are not anomalies.
    /// </summary>
    private static LayerKind Ppp(ReadOnlySpan<byte> f, ref DecodeState s, ref DecodedPacket p)
    {
        int o = s.Offset;
        if (f.Length - o >= 2 && f[o] == 0xFF && f[o + 1] == 0x03)
        {
            o += 2;
        }
        if (o >= f.Length)
        {
            return Stop(ref p, Anomaly.Truncated);
        }
        int protocol;
        if ((f[o] & 1) != 0)
        {
            protocol = f[o];
            o += 1;
        }
        else
        {
            if (f.Length - o < 2)
            {
                return Stop(ref p, Anomaly.Truncated);
            }
            protocol = (f[o] << 8) | f[o + 1];
            if ((protocol & 0x0101) != 0x0001)
            {
                return Stop(ref p, Anomaly.MalformedPpp); // a protocol number has an even high byte and an odd low byte
            }
            o += 2;
        }
        s.Offset = o;
        return protocol switch
        {
            0x0021 => LayerKind.IPv4,
            0x0057 => LayerKind.IPv6,
            0x0281 or 0x0283 => LayerKind.Mpls,
            0x002D or 0x002F => LayerKind.Done, // Van Jacobson compressed TCP/IP: no IP header to read
            >= 0x8000 => LayerKind.Done, // network/link control protocols (IPCP, LCP, PAP, CHAP, ...)
            _ => Stop(ref p, Anomaly.UnknownNextProtocol),
        };
    }
}
