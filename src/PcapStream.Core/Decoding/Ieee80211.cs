using System.Buffers.Binary;

namespace PcapStream.Decoding;

public static partial class PacketDecoder
{
    /// <summary>
    /// IEEE 802.11 MAC header (link type 105, or after radiotap/PPI). Only data frames carry IP: 24 bytes, +6 for the
    /// fourth address (ToDS and FromDS), +2 QoS control, +4 HT control (QoS with the Order bit), padded to 4 bytes when
    /// radiotap says so, then LLC/SNAP. Management and control frames, null-data frames and later fragments end
    /// the walk without an anomaly; protected frames end it with <see cref="Anomaly.Encrypted"/>.
    /// </summary>
    private static LayerKind Ieee80211(ReadOnlySpan<byte> f, ref DecodeState s, ref DecodedPacket p)
    {
        int o = s.Offset;
        if (f.Length - o < 2)
        {
            return Stop(ref p, Anomaly.Truncated);
        }
        byte fc0 = f[o];
        byte fc1 = f[o + 1];
        if ((fc0 & 0x03) != 0)
        {
            return Stop(ref p, Anomaly.Malformed80211); // protocol version must be 0
        }
        int type = (fc0 >> 2) & 0x03;
        int subtype = fc0 >> 4;
        if (type != 2)
        {
            return LayerKind.Done; // management, control, extension frames
        }
        bool qos = (subtype & 0x08) != 0;
        int length = 24;
        if ((fc1 & 0x03) == 0x03)
        {
            length += 6;
        }
        if (qos)
        {
            length += 2;
            if ((fc1 & 0x80) != 0)
            {
                length += 4;
            }
        }
        if (f.Length - o < length)
        {
            return Stop(ref p, Anomaly.Truncated);
        }
        if ((subtype & 0x04) != 0)
        {
            return LayerKind.Done; // null function: no frame body
        }
        if ((BinaryPrimitives.ReadUInt16LittleEndian(f.Slice(o + 22, 2)) & 0x000F) != 0)
        {
            return LayerKind.Done; // a later 802.11 fragment: the body is not the start of an LLC frame
        }
        if ((fc1 & 0x40) != 0)
        {
            return Stop(ref p, Anomaly.Encrypted);
        }
        bool amsdu = qos && (f[o + ((fc1 & 0x03) == 0x03 ? 30 : 24)] & 0x80) != 0;
        if (s.WlanDataPad)
        {
            length = (length + 3) & ~3;
        }
        s.Offset = o + length;
        if (amsdu)
        {
            s.Offset += 14; // first A-MSDU subframe header: DA, SA, length; its LLC follows
        }
        return LayerKind.Llc;
    }
}
