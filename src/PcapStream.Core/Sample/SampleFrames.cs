using System.Buffers.Binary;
using PcapStream.Decoding;

namespace PcapStream.Sample;

/// <summary>
/// Builds Ethernet frames (optionally 802.1Q tagged) carrying IPv4 or IPv6 with TCP, UDP or ICMP/ICMPv6.
/// Every length field is consistent (IP total length, UDP length, payload sizes) and the IPv4 header checksum is
/// and TCP/UDP/ICMP checksums are correct, so tshark reports no errors. Not a hot path.
/// </summary>
internal static class SampleFrames
{
    private static readonly byte[] MacA = [0x02, 0x00, 0x5e, 0x10, 0x00, 0x01];
    private static readonly byte[] MacB = [0x02, 0x00, 0x5e, 0x10, 0x00, 0x02];

    /// <summary>One endpoint pair of a frame: addresses, ports, VLAN (-1 none), IP version.</summary>
    internal readonly record struct Endpoints(IpAddress16 Src, IpAddress16 Dst, ushort SrcPort, ushort DstPort, int Vlan, bool IPv6)
    {
        public Endpoints Reverse() => new(Dst, Src, DstPort, SrcPort, Vlan, IPv6);
    }

    public static byte[] Tcp(in Endpoints e, uint seq, uint ack, ushort flags, int payload, ushort ipId, byte ttl)
    {
        int l4 = 20 + payload;
        byte[] frame = Allocate(e, l4, out int ip, out int tp);
        WriteIp(frame, ip, e, 6, l4, ipId, ttl);
        Span<byte> t = frame.AsSpan(tp);
        BinaryPrimitives.WriteUInt16BigEndian(t, e.SrcPort);
        BinaryPrimitives.WriteUInt16BigEndian(t[2..], e.DstPort);
        BinaryPrimitives.WriteUInt32BigEndian(t[4..], seq);
        BinaryPrimitives.WriteUInt32BigEndian(t[8..], ack);
        // Data offset 5 words; the NS bit (flags bit 8) lives in the low bit of byte 12.
        t[12] = (byte)(0x50 | ((flags >> 8) & 1));
        t[13] = (byte)flags;
        BinaryPrimitives.WriteUInt16BigEndian(t[14..], 64240);
        FillPayload(t[20..], seq);
        Checksum(frame, ip, tp, e, 6, 16);
        return frame;
    }

    public static byte[] Udp(in Endpoints e, ReadOnlySpan<byte> payload, ushort ipId, byte ttl)
    {
        int l4 = 8 + payload.Length;
        byte[] frame = Allocate(e, l4, out int ip, out int tp);
        WriteIp(frame, ip, e, 17, l4, ipId, ttl);
        Span<byte> u = frame.AsSpan(tp);
        BinaryPrimitives.WriteUInt16BigEndian(u, e.SrcPort);
        BinaryPrimitives.WriteUInt16BigEndian(u[2..], e.DstPort);
        BinaryPrimitives.WriteUInt16BigEndian(u[4..], (ushort)l4);
        payload.CopyTo(u[8..]);
        Checksum(frame, ip, tp, e, 17, 6);
        return frame;
    }

    /// <summary>ICMP echo request/reply (type 8/0; ICMPv6 128/129 when the endpoints are IPv6).</summary>
    public static byte[] IcmpEcho(in Endpoints e, bool request, ushort id, ushort sequence, int payload, ushort ipId, byte ttl)
    {
        int l4 = 8 + payload;
        byte[] frame = Allocate(e, l4, out int ip, out int tp);
        WriteIp(frame, ip, e, e.IPv6 ? (byte)58 : (byte)1, l4, ipId, ttl);
        Span<byte> c = frame.AsSpan(tp);
        c[0] = e.IPv6 ? (byte)(request ? 128 : 129) : (byte)(request ? 8 : 0);
        c[1] = 0;
        BinaryPrimitives.WriteUInt16BigEndian(c[4..], id);
        BinaryPrimitives.WriteUInt16BigEndian(c[6..], sequence);
        FillPayload(c[8..], sequence);
        Checksum(frame, ip, tp, e, e.IPv6 ? (byte)58 : (byte)1, 2);
        return frame;
    }

    /// <summary>A DNS query (response when <paramref name="answer"/> is set) for <paramref name="name"/>, type A.</summary>
    public static byte[] Dns(ushort id, string name, bool response, uint answer)
    {
        var b = new List<byte>(64);
        void U16(int v) { b.Add((byte)(v >> 8)); b.Add((byte)v); }
        U16(id);
        U16(response ? 0x8180 : 0x0100);
        U16(1);
        U16(response ? 1 : 0);
        U16(0);
        U16(0);
        foreach (string label in name.Split('.'))
        {
            b.Add((byte)label.Length);
            foreach (char ch in label)
            {
                b.Add((byte)ch);
            }
        }
        b.Add(0);
        U16(1);
        U16(1);
        if (response)
        {
            U16(0xc00c);
            U16(1);
            U16(1);
            U16(0);
            U16(300);
            U16(4);
            b.Add((byte)(answer >> 24));
            b.Add((byte)(answer >> 16));
            b.Add((byte)(answer >> 8));
            b.Add((byte)answer);
        }
        return [.. b];
    }

    private static byte[] Allocate(in Endpoints e, int l4Length, out int ipOffset, out int transportOffset)
    {
        int l2 = e.Vlan >= 0 ? 18 : 14;
        int l3 = e.IPv6 ? 40 : 20;
        byte[] frame = new byte[l2 + l3 + l4Length];
        bool aToB = e.Src.CompareTo(e.Dst) < 0;
        (aToB ? MacB : MacA).CopyTo(frame, 0);
        (aToB ? MacA : MacB).CopyTo(frame, 6);
        ushort etherType = e.IPv6 ? (ushort)0x86dd : (ushort)0x0800;
        if (e.Vlan >= 0)
        {
            BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(12), 0x8100);
            BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(14), (ushort)e.Vlan);
            BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(16), etherType);
        }
        else
        {
            BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(12), etherType);
        }
        ipOffset = l2;
        transportOffset = l2 + l3;
        return frame;
    }

    private static void WriteIp(byte[] frame, int offset, in Endpoints e, byte proto, int l4Length, ushort ipId, byte ttl)
    {
        Span<byte> h = frame.AsSpan(offset);
        if (e.IPv6)
        {
            h[0] = 0x60;
            BinaryPrimitives.WriteUInt16BigEndian(h[4..], (ushort)l4Length);
            h[6] = proto;
            h[7] = ttl;
            e.Src.WriteBytes(h[8..], asIPv4: false);
            e.Dst.WriteBytes(h[24..], asIPv4: false);
            return;
        }
        h[0] = 0x45;
        BinaryPrimitives.WriteUInt16BigEndian(h[2..], (ushort)(20 + l4Length));
        BinaryPrimitives.WriteUInt16BigEndian(h[4..], ipId);
        h[6] = 0x40; // DF, as Linux sets on TCP and most UDP
        h[8] = ttl;
        h[9] = proto;
        e.Src.WriteBytes(h[12..], asIPv4: true);
        e.Dst.WriteBytes(h[16..], asIPv4: true);
        uint sum = 0;
        for (int i = 0; i < 20; i += 2)
        {
            sum += BinaryPrimitives.ReadUInt16BigEndian(h[i..]);
        }
        while (sum > 0xffff)
        {
            sum = (sum & 0xffff) + (sum >> 16);
        }
        BinaryPrimitives.WriteUInt16BigEndian(h[10..], (ushort)~sum);
    }

    // Internet checksum of the transport segment; TCP, UDP and ICMPv6 include the pseudo-header, ICMPv4 does not.
    private static void Checksum(byte[] frame, int ipOffset, int transportOffset, in SampleFrames.Endpoints e, byte proto, int fieldOffset)
    {
        ReadOnlySpan<byte> segment = frame.AsSpan(transportOffset);
        ulong sum = 0;
        if (proto != 1)
        {
            ReadOnlySpan<byte> ip = frame.AsSpan(ipOffset);
            ReadOnlySpan<byte> addresses = e.IPv6 ? ip.Slice(8, 32) : ip.Slice(12, 8);
            sum += Sum(addresses);
            sum += proto;
            sum += (uint)segment.Length;
        }
        sum += Sum(segment);
        while (sum > 0xffff)
        {
            sum = (sum & 0xffff) + (sum >> 16);
        }
        ushort value = (ushort)~sum;
        if (proto == 17 && value == 0)
        {
            value = 0xffff; // zero means "no checksum" in UDP
        }
        BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(transportOffset + fieldOffset), value);
    }

    private static ulong Sum(ReadOnlySpan<byte> bytes)
    {
        ulong sum = 0;
        int i = 0;
        for (; i + 1 < bytes.Length; i += 2)
        {
            sum += BinaryPrimitives.ReadUInt16BigEndian(bytes[i..]);
        }
        if (i < bytes.Length)
        {
            sum += (ulong)bytes[i] << 8;
        }
        return sum;
    }

    // Printable, position-dependent bytes: compress like real text payloads do, and differ between packets.
    private static void FillPayload(Span<byte> payload, uint salt)
    {
        for (int i = 0; i < payload.Length; i++)
        {
            payload[i] = (byte)(0x20 + ((i + salt) % 95));
        }
    }
}
