namespace PcapStream.Decoding;

public static partial class PacketDecoder
{
    private const int MaxGtpExtensionHeaders = 16;

    /// <summary>
    /// GTP-U (3GPP TS 29.281, UDP 2152): flags (version 1, PT 1, E/S/PN), message type, length, TEID: 8 bytes; when
    /// any of E/S/PN is set, sequence number, N-PDU number and next-extension type follow (4 bytes), then extension
    /// headers (length in 4-byte units, the last byte naming the next one). Only G-PDUs (type 255) carry a user
    /// packet, IPv4 or IPv6 by its version nibble. Echo and other signalling messages stay plain UDP.
    /// </summary>
    private static LayerKind GtpU(ReadOnlySpan<byte> f, ref DecodeState s, ref DecodedPacket p)
    {
        int o = s.Offset;
        if (f.Length - o < 8)
        {
            return LayerKind.Done;
        }
        byte flags = f[o];
        if ((flags >> 5) != 1 || (flags & 0x10) == 0 || f[o + 1] != 0xFF)
        {
            return LayerKind.Done;
        }
        SetTunnel(ref p, TunnelKind.Gtp);
        int length = 8;
        if ((flags & 0x07) != 0)
        {
            if (f.Length - o < 12)
            {
                return Stop(ref p, Anomaly.Truncated);
            }
            length = 12;
            byte nextExtension = f[o + 11];
            for (int i = 0; nextExtension != 0; i++)
            {
                if (i == MaxGtpExtensionHeaders)
                {
                    return Stop(ref p, Anomaly.MalformedTunnel);
                }
                if (f.Length - o <= length)
                {
                    return Stop(ref p, Anomaly.Truncated);
                }
                int extensionLength = f[o + length] << 2;
                if (extensionLength == 0)
                {
                    return Stop(ref p, Anomaly.MalformedTunnel);
                }
                if (f.Length - o < length + extensionLength)
                {
                    return Stop(ref p, Anomaly.Truncated);
                }
                nextExtension = f[o + length + extensionLength - 1];
                length += extensionLength;
            }
        }
        s.Offset = o + length;
        if (s.Offset >= f.Length)
        {
            return Stop(ref p, Anomaly.Truncated);
        }
        return (f[s.Offset] >> 4) switch
        {
            4 => LayerKind.IPv4,
            6 => LayerKind.IPv6,
            _ => Stop(ref p, Anomaly.UnknownNextProtocol),
        };
    }
}
