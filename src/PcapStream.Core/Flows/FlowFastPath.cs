using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using PcapStream.Decoding;

namespace PcapStream.Flows;

/// <summary>
/// The flow engine's own reading of the common frames (Ethernet II, IPv4 without options and not a fragment, TCP or
/// UDP without a tunnel port; Ethernet II, IPv6 without extension headers, TCP): straight from the frame bytes to the canonical <see cref="FlowKey"/>, its hash and
/// the <see cref="FlowPacket"/>, without filling a <see cref="DecodedPacket"/> and reading it back.
/// </summary>
/// <remarks>
/// Why: <c>flows --count</c> spent about as much on handing each packet from the decoder to the flow table (~35
/// field stores into the 150-byte DecodedPacket, reading them back, building the key from 16-byte addresses with
/// three compares) as on the table itself. The frames accepted are exactly those the decoder's fast path
/// (<c>PacketDecoder.TryDecodeEthernetIPv4</c>) accepts, with the same checks in the same order, so the key and packet
/// are those <see cref="FlowKey.FromPacket"/> and <see cref="FlowPacket.From"/> would build from its result (and
/// IPv6/TCP, ~5 % of the benchmark capture, follows the layer walk's IPv6 and TCP rules):
/// FlowFastPathTests compares them on every corpus frame, every prefix and mutated header bytes. Anything
/// else returns false and goes through the decoder.
/// </remarks>
internal static class FlowFastPath
{
    private const int IPv4Offset = 14, TransportOffset = IPv4Offset + 20, IPv6TransportOffset = IPv4Offset + 40;

    /// <summary>
    /// Reads the flow fields of a frame of link type 1 (Ethernet). Returns false, having decided nothing, for any
    /// frame but those the decoder's fast path takes and Ethernet/IPv6/TCP. <paramref name="p"/>.Dir is the
    /// packet's direction.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool TryEthernet(ReadOnlySpan<byte> f, int wireLength, long time, out FlowKey key, out int hash, out FlowPacket p)
    {
        // The decoder's fast path checks, in its order: 54 bytes captured; EtherType 0x0800 and 0x45 in one
        // compare; not a fragment, total length >= 20, TCP or UDP; TCP data offset >= 5; UDP length >= 8, no
        // tunnel port.
        if (f.Length < TransportOffset + 20)
        {
            goto No;
        }
        ref byte b = ref MemoryMarshal.GetReference(f);
        uint typeAndVersion = ReadBE32(ref b, 12);
        if ((typeAndVersion >> 8) != 0x080045)
        {
            if ((typeAndVersion >> 12) == 0x86DD6 && f.Length >= IPv6TransportOffset + 20 && Unsafe.Add(ref b, IPv4Offset + 6) == 6)
            {
                return IPv6Tcp(ref b, f.Length, wireLength, time, out key, out hash, out p);
            }
            goto No;
        }
        ref byte ip = ref Unsafe.Add(ref b, IPv4Offset);
        int totalLength = ReadBE16(ref ip, 2);
        int fragment = ReadBE16(ref ip, 6);
        byte protocol = Unsafe.Add(ref ip, 9);
        if ((fragment & 0x3FFF) != 0 || totalLength < 20 || (protocol != 6 && protocol != 17))
        {
            goto No;
        }
        ref byte t = ref Unsafe.Add(ref b, TransportOffset);
        uint ports = ReadBE32(ref t, 0);
        ushort srcPort = (ushort)(ports >> 16), dstPort = (ushort)ports;
        int ipEnd = IPv4Offset + totalLength;
        int payload;
        uint seq;
        ushort flags;
        bool tcp = protocol == 6;
        if (tcp)
        {
            int offsetAndFlags = ReadBE16(ref t, 12);
            int headerLength = (offsetAndFlags >> 12) << 2;
            if (headerLength < 20)
            {
                goto No;
            }
            payload = Math.Max(0, ipEnd - (TransportOffset + headerLength));
            seq = ReadBE32(ref t, 4);
            flags = (ushort)(offsetAndFlags & 0x0FFF);
        }
        else
        {
            if (ReadBE16(ref t, 4) < 8 || PacketDecoder.IsUdpTunnel(srcPort, dstPort))
            {
                goto No;
            }
            payload = Math.Max(0, ipEnd - (TransportOffset + 8));
            seq = 0;
            flags = 0;
        }

        // Canonical order: for IPv4-mapped addresses (equal high words) comparing (address, port) is comparing
        // one 48-bit number, address above port. Branch-free: the lower endpoint is a coin toss per packet.
        ulong src = ((ulong)ReadBE32(ref ip, 12) << 16) | srcPort;
        ulong dst = ((ulong)ReadBE32(ref ip, 16) << 16) | dstPort;
        int dir = src > dst ? 1 : 0;
        ulong swap = (src ^ dst) & (ulong)-(long)dir;
        ulong lo = src ^ swap, hi = dst ^ swap;
        const ulong Mapped = 0x0000_FFFF_0000_0000UL;
        ulong aLow = Mapped | (lo >> 16), bLow = Mapped | (hi >> 16);
        const byte Kind = FlowKey.HasPortsBit | FlowKey.IPv4Bit;
        key = new FlowKey(new IpAddress16(0, aLow), new IpAddress16(0, bLow), (ushort)lo, (ushort)hi, protocol, Kind, -1);
        hash = FlowKey.Mix(0, aLow, 0, bLow, FlowKey.SmallFields((ushort)lo, (ushort)hi, protocol, Kind, -1));
        p = new FlowPacket
        {
            Time = time,
            WireLength = wireLength,
            IpLength = totalLength,
            PayloadLength = payload,
            Seq = seq,
            TcpFlags = flags,
            Dir = (byte)dir,
            HasTcp = tcp,
        };
        return true;

    No:
        key = default;
        hash = 0;
        p = default;
        return false;
    }

    /// <summary>
    /// Ethernet / IPv6 with TCP as the first next header (no extension header) / TCP, 74 bytes captured (checked
    /// by the caller): what the decoder's layer walk gives for it (IPv6Header.cs, TcpHeader.cs): a payload length
    /// of 0 (jumbogram, TSO) stands for the captured bytes after the IPv6 header; a data offset below 5 is
    /// malformed-tcp and is left to the walk.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool IPv6Tcp(ref byte b, int captured, int wireLength, long time, out FlowKey key, out int hash, out FlowPacket p)
    {
        ref byte ip = ref Unsafe.Add(ref b, IPv4Offset);
        ref byte t = ref Unsafe.Add(ref b, IPv6TransportOffset);
        int offsetAndFlags = ReadBE16(ref t, 12);
        int headerLength = (offsetAndFlags >> 12) << 2;
        if (headerLength < 20)
        {
            key = default;
            hash = 0;
            p = default;
            return false;
        }
        int payloadLength = ReadBE16(ref ip, 4);
        if (payloadLength == 0)
        {
            payloadLength = captured - IPv6TransportOffset;
        }
        var src = new IpAddress16(ReadBE64(ref ip, 8), ReadBE64(ref ip, 16));
        var dst = new IpAddress16(ReadBE64(ref ip, 24), ReadBE64(ref ip, 32));
        int dir = FlowKey.Create(src, dst, ReadBE16(ref t, 0), ReadBE16(ref t, 2), 6, hasPorts: true, isIPv4: false,
            oneWay: false, vlan: -1, out key);
        hash = key.Hash();
        p = new FlowPacket
        {
            Time = time,
            WireLength = wireLength,
            IpLength = 40 + payloadLength,
            PayloadLength = Math.Max(0, IPv6TransportOffset + payloadLength - (IPv6TransportOffset + headerLength)),
            Seq = ReadBE32(ref t, 4),
            TcpFlags = (ushort)(offsetAndFlags & 0x0FFF),
            Dir = (byte)dir,
            HasTcp = true,
        };
        return true;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong ReadBE64(ref byte at, int offset)
    {
        ulong v = Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref at, offset));
        return BitConverter.IsLittleEndian ? BinaryPrimitives.ReverseEndianness(v) : v;
    }

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
