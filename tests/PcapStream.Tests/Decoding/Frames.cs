using System.Buffers.Binary;
using PcapStream.Decoding;

namespace PcapStream.Tests.Decoding;

/// <summary>
/// Builds frames layer by layer for decoder tests (headers written as the RFCs lay them out; checksums left 0, which
/// no decoder here verifies). Each method returns the bytes of one header followed by <c>payload</c>.
/// </summary>
internal static class Frames
{
    public static readonly byte[] MacA = [0x00, 0x11, 0x22, 0x33, 0x44, 0x55];
    public static readonly byte[] MacB = [0x00, 0x66, 0x77, 0x88, 0x99, 0xaa];

    public static byte[] Cat(params byte[][] parts) => parts.SelectMany(x => x).ToArray();

    public static byte[] U16(int v) => [(byte)(v >> 8), (byte)v];

    public static byte[] U32(uint v) => [(byte)(v >> 24), (byte)(v >> 16), (byte)(v >> 8), (byte)v];

    public static byte[] Ethernet(int etherType, byte[] payload) => Cat(MacB, MacA, U16(etherType), payload);

    public static byte[] Vlan(int id, int etherType, byte[] payload) => Cat(U16(id), U16(etherType), payload);

    public static byte[] IPv4(byte protocol, string src, string dst, byte[] payload, byte ttl = 64, ushort id = 0x1234,
        int fragmentField = 0, byte[]? options = null, int? totalLength = null, int? ihlWords = null)
    {
        options ??= [];
        int headerLength = 20 + options.Length;
        var h = new byte[headerLength];
        h[0] = (byte)(0x40 | (ihlWords ?? headerLength / 4));
        BinaryPrimitives.WriteUInt16BigEndian(h.AsSpan(2), (ushort)(totalLength ?? headerLength + payload.Length));
        BinaryPrimitives.WriteUInt16BigEndian(h.AsSpan(4), id);
        BinaryPrimitives.WriteUInt16BigEndian(h.AsSpan(6), (ushort)fragmentField);
        h[8] = ttl;
        h[9] = protocol;
        System.Net.IPAddress.Parse(src).GetAddressBytes().CopyTo(h, 12);
        System.Net.IPAddress.Parse(dst).GetAddressBytes().CopyTo(h, 16);
        options.CopyTo(h, 20);
        return Cat(h, payload);
    }

    public static byte[] IPv6(byte next, string src, string dst, byte[] payload, byte hopLimit = 64)
    {
        var h = new byte[40];
        h[0] = 0x60;
        BinaryPrimitives.WriteUInt16BigEndian(h.AsSpan(4), (ushort)payload.Length);
        h[6] = next;
        h[7] = hopLimit;
        System.Net.IPAddress.Parse(src).GetAddressBytes().CopyTo(h, 8);
        System.Net.IPAddress.Parse(dst).GetAddressBytes().CopyTo(h, 24);
        return Cat(h, payload);
    }

    /// <summary>An 8-byte IPv6 option-style extension header (Hop-by-Hop, Destination Options, Routing) with PadN.</summary>
    public static byte[] Ext8(byte next, byte[] payload) => Cat([next, 0, 1, 4, 0, 0, 0, 0], payload);

    public static byte[] Tcp(int src, int dst, uint seq, uint ack, int flags, byte[]? payload = null, int dataOffsetWords = 5)
    {
        var h = new byte[20];
        BinaryPrimitives.WriteUInt16BigEndian(h, (ushort)src);
        BinaryPrimitives.WriteUInt16BigEndian(h.AsSpan(2), (ushort)dst);
        BinaryPrimitives.WriteUInt32BigEndian(h.AsSpan(4), seq);
        BinaryPrimitives.WriteUInt32BigEndian(h.AsSpan(8), ack);
        BinaryPrimitives.WriteUInt16BigEndian(h.AsSpan(12), (ushort)((dataOffsetWords << 12) | flags));
        BinaryPrimitives.WriteUInt16BigEndian(h.AsSpan(14), 65535);
        return Cat(h, payload ?? []);
    }

    public static byte[] Udp(int src, int dst, byte[] payload) => Cat(U16(src), U16(dst), U16(8 + payload.Length), U16(0), payload);

    public static byte[] Icmp(byte type, byte code, byte[] payload) => Cat([type, code, 0, 0, 0, 0, 0, 0], payload);

    public static DecodedPacket Decode(byte[] frame, int linkType = 1, int? wireLength = null)
    {
        DecodedPacket p = default;
        PacketDecoder.Decode(frame, linkType, wireLength ?? frame.Length, ref p);
        return p;
    }

    public static IpAddress16 Ip(string text) => IpAddress16.Parse(text);
}
