using System.Runtime.CompilerServices;
using PcapStream.Decoding;

namespace PcapStream.Flows;

/// <summary>
/// Canonical, address-family-neutral flow key (Zeek's habit): both directions of a conversation produce the same
/// key, with the smaller (address, port) endpoint as <see cref="A"/>. IPv4 is stored IPv4-mapped. The outermost
/// VLAN is part of the key (the same 5-tuple on two VLANs is two conversations). ICMP keys on type/code exactly
/// as Community ID v1 does: two-way message types (echo, router/neighbour discovery, ...) map to a
/// (type, counterpart type) port pair so request and reply meet; one-way types (errors) keep (type, code) and are
/// NOT reordered, so each direction is its own flow, as Community ID keeps them apart.
/// </summary>
public readonly struct FlowKey : IEquatable<FlowKey>
{
    /// <summary>Lower endpoint's address (the sender's for one-way ICMP).</summary>
    public readonly IpAddress16 A;
    /// <summary>Higher endpoint's address.</summary>
    public readonly IpAddress16 B;
    /// <summary>Port of <see cref="A"/> (ICMP: the Community ID port mapping); 0 without ports.</summary>
    public readonly ushort PortA;
    /// <summary>Port of <see cref="B"/>.</summary>
    public readonly ushort PortB;
    /// <summary>IANA protocol number of the innermost transport.</summary>
    public readonly byte Proto;
    /// <summary>Bit 0: has ports; bit 1: IPv4; bit 2: one-way ICMP (not canonicalised).</summary>
    public readonly byte Kind;
    /// <summary>Outermost VLAN id, or -1.</summary>
    public readonly short Vlan;

    internal const byte HasPortsBit = 1;
    internal const byte IPv4Bit = 2;
    internal const byte OneWayBit = 4;

    /// <summary>Builds a key from raw fields (already in canonical order).</summary>
    internal FlowKey(IpAddress16 a, IpAddress16 b, ushort portA, ushort portB, byte proto, byte kind, short vlan)
    {
        A = a;
        B = b;
        PortA = portA;
        PortB = portB;
        Proto = proto;
        Kind = kind;
        Vlan = vlan;
    }

    /// <summary>True when the protocol carries ports (TCP, UDP, SCTP, UDP-Lite) or ICMP type/code mapped as ports.</summary>
    public bool HasPorts => (Kind & HasPortsBit) != 0;

    /// <summary>True for IPv4 flows.</summary>
    public bool IsIPv4 => (Kind & IPv4Bit) != 0;

    /// <summary>True for one-way ICMP message types (A is always the sender).</summary>
    public bool IsOneWay => (Kind & OneWayBit) != 0;

    /// <summary>
    /// Builds the canonical key of a packet from its endpoints. Returns the direction: 0 when the packet goes
    /// from <see cref="A"/> to <see cref="B"/>, 1 when it goes from B to A.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Create(IpAddress16 src, IpAddress16 dst, ushort srcPort, ushort dstPort, byte proto,
        bool hasPorts, bool isIPv4, bool oneWay, int vlan, out FlowKey key)
    {
        byte kind = (byte)((hasPorts ? HasPortsBit : 0) | (isIPv4 ? IPv4Bit : 0) | (oneWay ? OneWayBit : 0));
        // Branch-free: which endpoint is lower is a coin toss per packet, so a branch on it mispredicts about
        // half the time. swap = !oneWay && (src, srcPort) > (dst, dstPort); the fields are then selected by mask.
        bool swap = !oneWay & ((src.High > dst.High) | ((src.High == dst.High) &
            ((src.Low > dst.Low) | ((src.Low == dst.Low) & (srcPort > dstPort)))));
        int s = swap ? 1 : 0;
        ulong m = (ulong)-(long)s;
        ulong dh = (src.High ^ dst.High) & m, dl = (src.Low ^ dst.Low) & m;
        int dp = (srcPort ^ dstPort) & -s;
        key = new FlowKey(new IpAddress16(src.High ^ dh, src.Low ^ dl), new IpAddress16(dst.High ^ dh, dst.Low ^ dl),
            (ushort)(srcPort ^ dp), (ushort)(dstPort ^ dp), proto, kind, (short)vlan);
        return s;
    }

    /// <summary>
    /// Builds the key of a decoded packet (innermost addresses). Returns the direction (0 = A to B, 1 = B to A),
    /// or -1 when the packet has no IP header and belongs to no flow. Fragments without ports get a port-less
    /// key here; <see cref="FragmentTracker"/> ties them to their first fragment.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static int FromPacket(in DecodedPacket p, out FlowKey key)
    {
        if (p.IpVersion == 0)
        {
            key = default;
            return -1;
        }
        ushort sp = 0, dp = 0;
        bool hasPorts = false, oneWay = false;
        if (p.HasPorts)
        {
            sp = p.SrcPort;
            dp = p.DstPort;
            hasPorts = true;
        }
        else if (p.HasIcmp)
        {
            hasPorts = true;
            oneWay = !IcmpPorts.Map(p.IpProto == 58, p.IcmpType, p.IcmpCode, out sp, out dp);
        }
        return Create(p.Src, p.Dst, sp, dp, p.IpProto, hasPorts, p.IpVersion == 4, oneWay, p.Vlan, out key);
    }

    /// <summary>A well-mixed deterministic 32-bit hash (same on every run, so table behaviour is reproducible).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int Hash() => Mix(A.High, A.Low, B.High, B.Low, SmallFields(PortA, PortB, Proto, Kind, Vlan));

    /// <summary>The ports, protocol, kind and VLAN as the one word <see cref="Mix"/> takes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static ulong SmallFields(ushort portA, ushort portB, byte proto, byte kind, short vlan) =>
        ((ulong)portA << 48) | ((ulong)portB << 32) | ((ulong)proto << 24) | ((ulong)kind << 16) | (ushort)vlan;

    /// <summary>
    /// <see cref="Hash"/> of a key given as words: two rounds of a multiply-xorshift mix over the 4 address words
    /// plus the small fields. Separate so the flow fast path hashes an IPv4 key (high words 0) without building
    /// and re-reading it, with the same result.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static int Mix(ulong aHigh, ulong aLow, ulong bHigh, ulong bLow, ulong small)
    {
        ulong h = aHigh * 0x9E3779B97F4A7C15UL;
        h ^= aLow + 0xC2B2AE3D27D4EB4FUL;
        h = (h ^ (h >> 29)) * 0xBF58476D1CE4E5B9UL;
        h ^= bHigh * 0x94D049BB133111EBUL;
        h ^= bLow;
        h = (h ^ (h >> 32)) * 0x9E3779B97F4A7C15UL;
        h ^= small;
        h = (h ^ (h >> 31)) * 0xBF58476D1CE4E5B9UL;
        h ^= h >> 29;
        return (int)h ^ (int)(h >> 32);
    }

    /// <summary>Field-wise equality, as five 8-byte words (the 40-byte struct has no padding) and no branch per field.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool Equals(FlowKey other)
    {
        ref ulong x = ref Unsafe.As<FlowKey, ulong>(ref Unsafe.AsRef(in this));
        ref ulong y = ref Unsafe.As<FlowKey, ulong>(ref other);
        return ((x ^ y) | (Unsafe.Add(ref x, 1) ^ Unsafe.Add(ref y, 1)) | (Unsafe.Add(ref x, 2) ^ Unsafe.Add(ref y, 2)) |
                (Unsafe.Add(ref x, 3) ^ Unsafe.Add(ref y, 3)) | (Unsafe.Add(ref x, 4) ^ Unsafe.Add(ref y, 4))) == 0;
    }

    public override bool Equals(object? obj) => obj is FlowKey k && Equals(k);

    public override int GetHashCode() => Hash();

    public static bool operator ==(FlowKey left, FlowKey right) => left.Equals(right);

    public static bool operator !=(FlowKey left, FlowKey right) => !left.Equals(right);

    public override string ToString() =>
        $"{ProtocolNames.Of(Proto)} {A}:{PortA} {(IsOneWay ? "->" : "<->")} {B}:{PortB} vlan {Vlan}";
}
