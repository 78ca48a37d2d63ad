namespace PcapStream.Decoding;

public static partial class PacketDecoder
{
    /// <summary>
    /// VXLAN (RFC 7348, UDP 4789): flags (the I bit says the VNI is valid), 24-bit VNI, reserved: 8 bytes, then an
    /// Ethernet frame. Without the I bit the datagram is not taken as VXLAN and stays plain UDP.
    /// </summary>
    private static LayerKind Vxlan(ReadOnlySpan<byte> f, ref DecodeState s, ref DecodedPacket p)
    {
        int o = s.Offset;
        if (f.Length - o < 8 || (f[o] & 0x08) == 0)
        {
            return LayerKind.Done;
        }
        SetTunnel(ref p, TunnelKind.Vxlan);
        s.Offset = o + 8;
        return LayerKind.Ethernet;
    }
}
