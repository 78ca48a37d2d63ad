namespace PcapStream.Decoding;

public static partial class PacketDecoder
{
    /// <summary>
    /// IPsec AH (RFC 4302) after an IPv4 header: next header, payload length in 4-byte words minus 2. AH is not
    /// encryption: the protocol after it (transport, or IP in tunnel mode) is decoded. (Inside IPv6 AH is part
    /// of the extension-header walk.)
    /// </summary>
    private static LayerKind AuthenticationHeader(ReadOnlySpan<byte> f, ref DecodeState s, ref DecodedPacket p)
    {
        int o = s.Offset;
        if (f.Length - o < 2)
        {
            return Stop(ref p, Anomaly.Truncated);
        }
        int length = (f[o + 1] + 2) << 2;
        if (f.Length - o < length)
        {
            return Stop(ref p, Anomaly.Truncated);
        }
        s.Offset = o + length;
        return IpProtocol(f[o], ref s, ref p);
    }
}
