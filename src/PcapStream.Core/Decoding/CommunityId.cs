using System.Buffers.Binary;
using System.Buffers.Text;

namespace PcapStream.Decoding;

/// <summary>
/// Community ID v1 (https://github.com/corelight/community-id-spec): a hash of the flow's 5-tuple that is the
/// same for both directions. Computing it allocates only the returned string; the UTF-8 overloads allocate
/// nothing.
/// </summary>
/// <remarks>
/// The hash is SHA-1 over: seed (2 bytes, network order), the smaller endpoint's address, the other address,
/// the IP protocol (1 byte), one zero pad byte, then the two ports (2 bytes each, network order) for TCP, UDP,
/// SCTP, ICMP and ICMPv6 only. "Smaller" compares addresses bytewise, then ports when the addresses are equal.
/// ICMP/ICMPv6 use the type as source port and, for request/reply pairs, the counterpart type as destination
/// port (else the code); a type without a counterpart is one-way and keeps its direction (see
/// <see cref="MapIcmp"/>). Protocols without ports, non-first fragments and transport headers that were not
/// captured hash without ports, as the spec says for "other protocols".
/// </remarks>
public static partial class CommunityId
{
    /// <summary>Bytes of the SHA-1 digest.</summary>
    public const int HashLength = 20;

    /// <summary>Longest text form in bytes/chars: "1:" + 40 hex digits (base64 needs 28).</summary>
    public const int MaxTextLength = 2 + 2 * HashLength;

    // seed 2 + two IPv6 addresses 32 + proto 1 + pad 1 + ports 4.
    private const int MaxInputLength = 40;
    private const int Base64Length = 28;

    /// <summary>Community ID v1 of a decoded packet ("1:" + base64 of SHA-1), or null when it has no IP header.</summary>
    public static string? Compute(in DecodedPacket packet, ushort seed = 0)
    {
        Span<byte> text = stackalloc byte[MaxTextLength];
        int n = TryFormatUtf8(in packet, text, seed);
        return n < 0 ? null : System.Text.Encoding.ASCII.GetString(text[..n]);
    }

    /// <summary>
    /// Writes the Community ID of <paramref name="packet"/> as ASCII/UTF-8 into <paramref name="destination"/>
    /// (at least <see cref="MaxTextLength"/> bytes). Returns the bytes written, or -1 when the packet has no IP
    /// header (no Community ID). Allocates nothing.
    /// </summary>
    public static int TryFormatUtf8(in DecodedPacket packet, Span<byte> destination, ushort seed = 0, bool base64 = true)
    {
        if (!TryGetTuple(in packet, out bool hasPorts, out ushort srcPort, out ushort dstPort))
        {
            return -1;
        }
        Span<byte> hash = stackalloc byte[HashLength];
        HashTuple(packet.Src, packet.Dst, packet.IpProto, srcPort, dstPort, hasPorts, packet.IpVersion == 4, seed, hash);
        return FormatUtf8(hash, destination, base64);
    }

    /// <summary>
    /// Community ID v1 of a tuple. For ICMP/ICMPv6 pass the type as <paramref name="srcPort"/> and the code as
    /// <paramref name="dstPort"/>; the type/code mapping of the spec is applied here. For protocols without
    /// ports pass <paramref name="hasPorts"/> false.
    /// </summary>
    public static string Compute(IpAddress16 src, IpAddress16 dst, byte ipProto, ushort srcPort, ushort dstPort,
        bool hasPorts, bool isIPv4, ushort seed = 0, bool base64 = true)
    {
        Span<byte> hash = stackalloc byte[HashLength];
        HashTuple(src, dst, ipProto, srcPort, dstPort, hasPorts, isIPv4, seed, hash);
        Span<byte> text = stackalloc byte[MaxTextLength];
        int n = FormatUtf8(hash, text, base64);
        return System.Text.Encoding.ASCII.GetString(text[..n]);
    }

    /// <summary>
    /// The raw 20-byte SHA-1 of a tuple into <c>hash</c> (<see cref="HashLength"/> bytes), with the same
    /// argument conventions as <see cref="Compute(IpAddress16, IpAddress16, byte, ushort, ushort, bool, bool, ushort, bool)"/>.
    /// </summary>
    public static void HashTuple(IpAddress16 src, IpAddress16 dst, byte ipProto, ushort srcPort, ushort dstPort,
        bool hasPorts, bool isIPv4, ushort seed, Span<byte> hash)
    {
        Canonicalise(ref src, ref dst, ipProto, ref srcPort, ref dstPort, hasPorts);
        Span<byte> input = stackalloc byte[MaxInputLength];
        BinaryPrimitives.WriteUInt16BigEndian(input, seed);
        int n = 2;
        n += src.WriteBytes(input[n..], isIPv4);
        n += dst.WriteBytes(input[n..], isIPv4);
        input[n++] = ipProto;
        input[n++] = 0;
        if (hasPorts)
        {
            BinaryPrimitives.WriteUInt16BigEndian(input[n..], srcPort);
            BinaryPrimitives.WriteUInt16BigEndian(input[(n + 2)..], dstPort);
            n += 4;
        }
        Sha1SingleBlock(input[..n], hash);
    }

    /// <summary>
    /// The spec's ICMP type mapping, then the endpoint order: both directions hash alike (smaller address first,
    /// smaller port first when the addresses are equal); one-way ICMP keeps the packet's direction.
    /// </summary>
    private static void Canonicalise(ref IpAddress16 src, ref IpAddress16 dst, byte ipProto, ref ushort srcPort,
        ref ushort dstPort, bool hasPorts)
    {
        bool oneWay = false;
        if (hasPorts && IsIcmp(ipProto))
        {
            (srcPort, dstPort, oneWay) = MapIcmp(ipProto, (byte)srcPort, (byte)dstPort);
        }
        int order = src.CompareTo(dst);
        bool swap = !oneWay && (order > 0 || (order == 0 && hasPorts && srcPort > dstPort));
        if (swap)
        {
            (src, dst) = (dst, src);
            (srcPort, dstPort) = (dstPort, srcPort);
        }
    }

    /// <summary>
    /// The spec's ICMP "port" mapping: source = type; destination = the counterpart type of a request/reply
    /// pair (echo, timestamp, information, router and address-mask for ICMP; echo, MLD, neighbour and router
    /// discovery, node information and home-agent discovery for ICMPv6), else the code, and then the message
    /// is one-way (its direction is kept when ordering).
    /// </summary>
    public static (ushort SrcPort, ushort DstPort, bool OneWay) MapIcmp(byte ipProto, byte type, byte code)
    {
        int counterpart = ipProto == 58 ? Icmp6Counterpart(type) : Icmp4Counterpart(type);
        return counterpart < 0 ? (type, code, true) : (type, (ushort)counterpart, false);
    }

    private static bool IsIcmp(byte ipProto) => ipProto is 1 or 58;

    private static int Icmp4Counterpart(byte type) => type switch
    {
        8 => 0, 0 => 8, // echo
        13 => 14, 14 => 13, // timestamp
        15 => 16, 16 => 15, // information
        10 => 9, 9 => 10, // router solicitation / advertisement
        17 => 18, 18 => 17, // address mask
        _ => -1,
    };

    private static int Icmp6Counterpart(byte type) => type switch
    {
        128 => 129, 129 => 128, // echo
        133 => 134, 134 => 133, // router solicitation / advertisement
        135 => 136, 136 => 135, // neighbour solicitation / advertisement
        130 => 131, 131 => 130, // MLD query / report
        139 => 140, 140 => 139, // node information query / response
        144 => 145, 145 => 144, // home agent address discovery
        _ => -1,
    };

    /// <summary>
    /// The tuple Community ID uses for a decoded packet. False when the packet has no IP header. Ports are used
    /// for TCP, UDP and SCTP when the decoder read them (not for later fragments), and ICMP/ICMPv6 type/code
    /// when the ICMP header was read; anything else hashes without ports.
    /// </summary>
    public static bool TryGetTuple(in DecodedPacket packet, out bool hasPorts, out ushort srcPort, out ushort dstPort)
    {
        hasPorts = false;
        srcPort = 0;
        dstPort = 0;
        if (packet.IpVersion is not (4 or 6))
        {
            return false;
        }
        switch (packet.IpProto)
        {
            case 6 or 17 or 132 when packet.HasPorts:
                hasPorts = true;
                srcPort = packet.SrcPort;
                dstPort = packet.DstPort;
                break;
            case 1 or 58 when packet.HasIcmp:
                hasPorts = true;
                srcPort = packet.IcmpType;
                dstPort = packet.IcmpCode;
                break;
        }
        return true;
    }

    /// <summary>
    /// The Community ID tuple of a decoded packet for <see cref="FormatUtf8Batch"/>: what
    /// <see cref="TryFormatUtf8"/> hashes. False (and a default tuple) when the packet has no IP header.
    /// </summary>
    internal static bool TryGetTuple(in DecodedPacket packet, out CommunityIdTuple tuple)
    {
        if (!TryGetTuple(in packet, out bool hasPorts, out ushort srcPort, out ushort dstPort))
        {
            tuple = default;
            return false;
        }
        tuple = new CommunityIdTuple(packet.Src, packet.Dst, packet.IpProto, srcPort, dstPort, hasPorts, packet.IpVersion == 4);
        return true;
    }

    private static int FormatUtf8(ReadOnlySpan<byte> hash, Span<byte> destination, bool base64)
    {
        destination[0] = (byte)'1';
        destination[1] = (byte)':';
        if (base64)
        {
            Base64.EncodeToUtf8(hash, destination[2..], out _, out int written);
            return 2 + written;
        }
        const string Hex = "0123456789abcdef";
        Span<byte> hex = destination.Slice(2, 2 * HashLength);
        for (int i = 0; i < hash.Length; i++)
        {
            hex[2 * i] = (byte)Hex[hash[i] >> 4];
            hex[(2 * i) + 1] = (byte)Hex[hash[i] & 0xF];
        }
        return 2 + (2 * HashLength);
    }

    /// <summary>Length in bytes of the text form: 30 for base64, 42 for hex.</summary>
    public static int TextLength(bool base64) => base64 ? Base64TextLength : MaxTextLength;
}
