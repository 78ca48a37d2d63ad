namespace PcapStream.Decoding;

public static partial class PacketDecoder
{
    /// <summary>
    /// PPPoE session stage (EtherType 0x8864, RFC 2516): version/type, code, session id, length (6 bytes), then a
    /// PPP protocol field. Discovery (0x8863) carries no IP and never reaches here.
    /// </summary>
    private static LayerKind PppoeSession(ReadOnlySpan<byte> f, ref DecodeState s, ref DecodedPacket p)
    {
        int o = s.Offset;
        if (f.Length - o < 6)
        {
            return Stop(ref p, Anomaly.Truncated);
        }
        if (f[o] != 0x11 || f[o + 1] != 0x00)
        {
            return Stop(ref p, Anomaly.MalformedPpp); // version 1, type 1, code 0 (session data) is the only data form
        }
        s.Offset = o + 6;
        return LayerKind.Ppp;
    }
}
