using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace PcapStream.Decoding;

public static partial class PacketDecoder
{
    private const int FastIPv4Offset = EthernetHeaderLength;
    private const int FastTransportOffset = FastIPv4Offset + 20;

    /// <summary>
    /// The common frame — Ethernet II, IPv4 without options and not a fragment, then TCP (data offset ≥ 5) or UDP
    /// (length ≥ 8, no tunnel port) with the whole transport header captured — decoded straight through after ONE
    /// length check, writing every field of <paramref name="p"/> (so no <see cref="DecodedPacket.Reset"/>).
    /// Returns false, having written nothing, for anything else; the general layer walk then decodes it. The result
    /// is the layer walk's, field for field: FastPathTests compares both on every corpus packet and on mutations.
    /// </summary>
    /// <remarks>
    /// Why: about 90 % of real traffic is this shape, and the walk spends more on its generality (a state struct,
    /// the layer switch, resetting ~150 bytes then filling them, one bounds check per field) than on the bytes.
    /// Fields are read with unaligned loads from a reference proven in range by the single check.
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static bool TryDecodeEthernetIPv4(ReadOnlySpan<byte> f, int wireLength, ref DecodedPacket p)
    {
        // 54 = Ethernet 14 + IPv4 20 + TCP 20 (UDP needs only 42, but a UDP frame shorter than 54 is rare and the
        // walk handles it; one check keeps the branch count down).
        if (f.Length < FastTransportOffset + 20)
        {
            return false;
        }
        ref byte b = ref MemoryMarshal.GetReference(f);
        // EtherType 0x0800 and version/IHL 0x45 in one compare: bytes 12..14 (big-endian 08 00 45).
        if ((ReadBE32(ref b, 12) >> 8) != 0x080045)
        {
            return false;
        }
        ref byte ip = ref Unsafe.Add(ref b, FastIPv4Offset);
        int totalLength = ReadBE16(ref ip, 2);
        ushort fragment = ReadBE16(ref ip, 6);
        byte protocol = Unsafe.Add(ref ip, 9);
        // A fragment (MF or offset), a total length below the header (0 = TSO, or malformed), or another protocol:
        // the walk knows the rules for those.
        if ((fragment & 0x3FFF) != 0 || totalLength < 20 || (protocol != 6 && protocol != 17))
        {
            return false;
        }
        ref byte t = ref Unsafe.Add(ref b, FastTransportOffset);
        int ipEnd = FastIPv4Offset + totalLength;
        ushort srcPort = ReadBE16(ref t, 0);
        ushort dstPort = ReadBE16(ref t, 2);
        int payload;
        if (protocol == 6)
        {
            ushort offsetAndFlags = ReadBE16(ref t, 12);
            int headerLength = (offsetAndFlags >> 12) << 2;
            if (headerLength < 20)
            {
                return false; // malformed-tcp: the walk names it
            }
            payload = Math.Max(0, ipEnd - (FastTransportOffset + headerLength));
            p.HasTcp = true;
            p.TcpSeq = ReadBE32(ref t, 4);
            p.TcpAck = ReadBE32(ref t, 8);
            p.TcpFlags = (ushort)(offsetAndFlags & 0x0FFF);
            p.TcpWindow = ReadBE16(ref t, 14);
            p.HasUdp = false;
            p.UdpLength = 0;
            p.UdpChecksum = 0;
        }
        else
        {
            ushort udpLength = ReadBE16(ref t, 4);
            if (udpLength < 8 || IsUdpTunnelPort(dstPort) || IsUdpTunnelPort(srcPort))
            {
                return false; // malformed-udp or a tunnel to walk into
            }
            payload = Math.Max(0, ipEnd - (FastTransportOffset + 8));
            p.HasTcp = false;
            p.TcpSeq = 0;
            p.TcpAck = 0;
            p.TcpFlags = 0;
            p.TcpWindow = 0;
            p.HasUdp = true;
            p.UdpLength = udpLength;
            p.UdpChecksum = ReadBE16(ref t, 6);
        }

        p.LinkType = 1;
        p.WireLength = wireLength;
        p.CapturedLength = f.Length;
        p.Vlan = -1;
        p.VlanCount = 0;
        p.MplsLabels = 0;
        p.IpVersion = 4;
        var src = IpAddress16.FromIPv4(ReadBE32(ref ip, 12));
        var dst = IpAddress16.FromIPv4(ReadBE32(ref ip, 16));
        p.Src = src;
        p.Dst = dst;
        p.IpProto = protocol;
        p.Ttl = Unsafe.Add(ref ip, 8);
        p.DontFragment = (fragment & 0x4000) != 0;
        p.MoreFragments = false;
        p.FragmentOffset = 0;
        p.IsFragment = false;
        p.IpId = ReadBE16(ref ip, 4);
        p.IpLength = totalLength;
        p.HasPorts = true;
        p.SrcPort = srcPort;
        p.DstPort = dstPort;
        p.HasIcmp = false;
        p.IcmpType = 0;
        p.IcmpCode = 0;
        p.PayloadLength = payload;
        p.Tunnel = TunnelKind.None;
        p.OuterIpVersion = 4;
        p.OuterSrc = src;
        p.OuterDst = dst;
        p.Anomaly = Anomaly.None;
        p.IpOffset = FastIPv4Offset;
        p.TransportOffset = FastTransportOffset;
        return true;
    }

    /// <summary>
    /// True when either UDP port is one the decoder walks into as a tunnel: the fast path above declines those
    /// frames, and so must any other fast path that wants to agree with the decoder (the flow engine's).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static bool IsUdpTunnel(ushort srcPort, ushort dstPort) => IsUdpTunnelPort(dstPort) || IsUdpTunnelPort(srcPort);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ushort ReadBE16(ref byte at, int offset)
    {
        ushort v = Unsafe.ReadUnaligned<ushort>(ref Unsafe.Add(ref at, offset));
        return BitConverter.IsLittleEndian ? BinaryPrimitives.ReverseEndianness(v) : v;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static uint ReadBE32(ref byte at, int offset)
    {
        uint v = Unsafe.ReadUnaligned<uint>(ref Unsafe.Add(ref at, offset));
        return BitConverter.IsLittleEndian ? BinaryPrimitives.ReverseEndianness(v) : v;
    }
}
