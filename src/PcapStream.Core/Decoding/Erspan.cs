namespace PcapStream.Decoding;

public static partial class PacketDecoder
{
    /// <summary>
    /// ERSPAN type II (GRE 0x88BE with the sequence bit): 8 bytes (version 1, VLAN, CoS, session id, index), then the
    /// mirrored Ethernet frame. Type I (no sequence bit) has no header and goes straight to Ethernet (Gre.cs).
    /// </summary>
    private static LayerKind ErspanII(ReadOnlySpan<byte> f, ref DecodeState s, ref DecodedPacket p)
    {
        int o = s.Offset;
        if (f.Length - o < 8)
        {
            return Stop(ref p, Anomaly.Truncated);
        }
        if ((f[o] >> 4) != 1)
        {
            return Stop(ref p, Anomaly.MalformedTunnel);
        }
        s.Offset = o + 8;
        return LayerKind.Ethernet;
    }

    /// <summary>
    /// ERSPAN type III (GRE 0x22EB): 12 bytes (version 2, VLAN, CoS, session id, timestamp, SGT, flags), plus an
    /// 8-byte platform-specific subheader when the O flag (last bit of the header) is set; then the mirrored frame
    /// (Ethernet; the frame-type bits for IP frames are not used in practice).
    /// </summary>
    private static LayerKind ErspanIII(ReadOnlySpan<byte> f, ref DecodeState s, ref DecodedPacket p)
    {
        int o = s.Offset;
        if (f.Length - o < 12)
        {
            return Stop(ref p, Anomaly.Truncated);
        }
        if ((f[o] >> 4) != 2)
        {
            return Stop(ref p, Anomaly.MalformedTunnel);
        }
        int length = (f[o + 11] & 0x01) != 0 ? 20 : 12;
        if (f.Length - o < length)
        {
            return Stop(ref p, Anomaly.Truncated);
        }
        s.Offset = o + length;
        return LayerKind.Ethernet;
    }
}
