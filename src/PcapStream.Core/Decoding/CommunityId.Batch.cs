using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace PcapStream.Decoding;

public static partial class CommunityId
{
    /// <summary>Bytes of one base64 Community ID text: "1:" + 28 base64 characters.</summary>
    public const int Base64TextLength = 2 + Base64Length;

    /// <summary>Lanes of the multi-buffer SHA-1: eight 32-bit words in a Vector256.</summary>
    private const int Lanes = 8;

    /// <summary>
    /// A partial group of at least this many tuples still goes through the 8-lane hash (the unused lanes hash
    /// garbage): one 8-lane pass costs about as much as two scalar hashes (CommunityIdBenchmarks).
    /// </summary>
    private const int MinVectorLanes = 2;

    /// <summary>
    /// Writes the base64 Community ID v1 of every tuple as ASCII/UTF-8, <see cref="Base64TextLength"/> bytes each,
    /// back to back into <paramref name="destination"/> (at least 30 × <c>tuples.Length</c> bytes, else
    /// <see cref="ArgumentException"/>). Each text equals what <see cref="Compute(IpAddress16, IpAddress16, byte, ushort, ushort, bool, bool, ushort, bool)"/>
    /// gives for the tuple. Allocates nothing.
    /// </summary>
    /// <remarks>
    /// Each input is one SHA-1 block, and one block's 80 rounds are a serial chain: a core runs a single hash at a
    /// fraction of its width. With AVX2 eight independent hashes run side by side, one per 32-bit lane of a
    /// Vector256 (multi-buffer SHA-1, as OpenSSL and Intel's isa-l_crypto do it); without AVX2, and for a
    /// remainder of one tuple, the scalar single-block SHA-1.
    /// </remarks>
    public static void FormatUtf8Batch(ReadOnlySpan<CommunityIdTuple> tuples, Span<byte> destination, ushort seed = 0) =>
        FormatUtf8BatchCore(tuples, destination, seed, Vector256.IsHardwareAccelerated);

    /// <summary>
    /// <see cref="FormatUtf8Batch(ReadOnlySpan{CommunityIdTuple}, Span{byte}, ushort)"/> with the choice of path
    /// made by the caller: <paramref name="vectorized"/> false forces the scalar hash (tests; hardware without
    /// AVX2 takes it anyway).
    /// </summary>
    internal static void FormatUtf8BatchCore(ReadOnlySpan<CommunityIdTuple> tuples, Span<byte> destination, ushort seed, bool vectorized)
    {
        if (destination.Length < (long)tuples.Length * Base64TextLength)
        {
            ThrowDestinationTooShort();
        }
        int i = 0;
        if (vectorized && Vector256.IsHardwareAccelerated)
        {
            for (; i < tuples.Length && tuples.Length - i >= MinVectorLanes; i += Lanes)
            {
                int count = Math.Min(Lanes, tuples.Length - i);
                Hash8Base64(tuples.Slice(i, count), seed, destination.Slice(i * Base64TextLength, count * Base64TextLength));
            }
        }
        Span<byte> hash = stackalloc byte[HashLength];
        for (; i < tuples.Length; i++)
        {
            ref readonly CommunityIdTuple t = ref tuples[i];
            HashTuple(t.Src, t.Dst, t.Proto, t.SrcPort, t.DstPort, t.HasPorts, t.IsIPv4, seed, hash);
            FormatUtf8(hash, destination.Slice(i * Base64TextLength, Base64TextLength), base64: true);
        }
    }

    /// <summary>
    /// Up to eight tuples: each lane's padded block is written straight into the transposed schedule (word
    /// <c>i</c> of lane <c>l</c> at <c>w[i][l]</c>), hashed in lanes, then each lane's digest goes to base64.
    /// Lanes past <c>tuples.Length</c> hash whatever the stack held and are not written out.
    /// </summary>
    [SkipLocalsInit]
    private static unsafe void Hash8Base64(ReadOnlySpan<CommunityIdTuple> tuples, ushort seed, Span<byte> destination)
    {
        Vector256<uint>* w = stackalloc Vector256<uint>[16];
        uint* words = (uint*)w;
        for (int lane = 0; lane < tuples.Length; lane++)
        {
            WriteBlock(in tuples[lane], seed, words + lane);
        }
        uint* digest = stackalloc uint[5 * Lanes];
        Sha1Lanes(w, digest);
        fixed (byte* text = destination)
        {
            for (int lane = 0; lane < tuples.Length; lane++)
            {
                WriteBase64Text(digest + lane, text + (lane * Base64TextLength));
            }
        }
    }

    /// <summary>
    /// The tuple's one padded SHA-1 block as 16 big-endian words, word <c>i</c> at <c>block[i * 8]</c>. The input
    /// is seed (2) + two addresses (4 or 16 each) + protocol + zero pad + [ports (4)]: 12, 16, 36 or 40 bytes, always
    /// whole words, so it is assembled from 64-bit pieces shifted by the seed's 16 bits instead of byte by byte.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void WriteBlock(in CommunityIdTuple t, ushort seed, uint* block)
    {
        IpAddress16 src = t.Src, dst = t.Dst;
        ushort srcPort = t.SrcPort, dstPort = t.DstPort;
        bool hasPorts = t.HasPorts;
        Canonicalise(ref src, ref dst, t.Proto, ref srcPort, ref dstPort, hasPorts);

        // The tail after the addresses: protocol, zero pad, then the ports or (without ports) the 0x80 end marker.
        ulong tail = ((ulong)t.Proto << 40) | (hasPorts ? ((uint)srcPort << 16) | dstPort : 0x8000_0000UL);
        ulong marker = hasPorts ? 0x8000_0000_0000_0000UL : 0;
        ulong q0, q1, q2, q3, q4, q5;
        int length;
        if (t.IsIPv4)
        {
            uint a = (uint)src.Low, b = (uint)dst.Low;
            q0 = ((ulong)seed << 48) | ((ulong)a << 16) | (b >> 16);
            q1 = ((ulong)b << 48) | tail;
            q2 = marker;
            q3 = q4 = q5 = 0;
            length = hasPorts ? 16 : 12;
        }
        else
        {
            q0 = ((ulong)seed << 48) | (src.High >> 16);
            q1 = (src.High << 48) | (src.Low >> 16);
            q2 = (src.Low << 48) | (dst.High >> 16);
            q3 = (dst.High << 48) | (dst.Low >> 16);
            q4 = (dst.Low << 48) | tail;
            q5 = marker;
            length = hasPorts ? 40 : 36;
        }
        block[0 * Lanes] = (uint)(q0 >> 32);
        block[1 * Lanes] = (uint)q0;
        block[2 * Lanes] = (uint)(q1 >> 32);
        block[3 * Lanes] = (uint)q1;
        block[4 * Lanes] = (uint)(q2 >> 32);
        block[5 * Lanes] = (uint)q2;
        block[6 * Lanes] = (uint)(q3 >> 32);
        block[7 * Lanes] = (uint)q3;
        block[8 * Lanes] = (uint)(q4 >> 32);
        block[9 * Lanes] = (uint)q4;
        block[10 * Lanes] = (uint)(q5 >> 32);
        block[11 * Lanes] = (uint)q5;
        block[12 * Lanes] = 0;
        block[13 * Lanes] = 0;
        block[14 * Lanes] = 0;
        block[15 * Lanes] = (uint)length * 8; // the message length in bits (the high word is 0)
    }

    /// <summary>
    /// SHA-1 compression of eight one-block messages at once (FIPS 180-4 §6.1.2, lane-wise). <paramref name="w"/>
    /// holds the 16 message words per lane and is reused as a 16-word circular schedule; the digest's five words
    /// go to <paramref name="digest"/>, word <c>k</c> of lane <c>l</c> at <c>digest[k * 8 + l]</c>.
    /// </summary>
    /// <remarks>
    /// The schedule word is computed inside the round that uses it, so the out-of-order core overlaps the
    /// schedule's chain (w[i] needs w[i-3]) with the rounds' chain instead of running one after the other.
    /// </remarks>
    private static unsafe void Sha1Lanes(Vector256<uint>* w, uint* digest)
    {
        const uint H0 = 0x67452301, H1 = 0xEFCDAB89, H2 = 0x98BADCFE, H3 = 0x10325476, H4 = 0xC3D2E1F0;
        Vector256<uint> a = Vector256.Create(H0), b = Vector256.Create(H1), c = Vector256.Create(H2),
            d = Vector256.Create(H3), e = Vector256.Create(H4), t, x;

        Vector256<uint> k = Vector256.Create(0x5A827999u);
        for (int i = 0; i < 16; i++)
        {
            t = Rol(a, 5) + (d ^ (b & (c ^ d))) + e + k + w[i];
            e = d;
            d = c;
            c = Rol(b, 30);
            b = a;
            a = t;
        }
        for (int i = 16; i < 20; i++)
        {
            x = Schedule(w, i);
            t = Rol(a, 5) + (d ^ (b & (c ^ d))) + e + k + x;
            e = d;
            d = c;
            c = Rol(b, 30);
            b = a;
            a = t;
        }
        k = Vector256.Create(0x6ED9EBA1u);
        for (int i = 20; i < 40; i++)
        {
            x = Schedule(w, i);
            t = Rol(a, 5) + (b ^ c ^ d) + e + k + x;
            e = d;
            d = c;
            c = Rol(b, 30);
            b = a;
            a = t;
        }
        k = Vector256.Create(0x8F1BBCDCu);
        for (int i = 40; i < 60; i++)
        {
            x = Schedule(w, i);
            t = Rol(a, 5) + ((b & c) | (d & (b | c))) + e + k + x;
            e = d;
            d = c;
            c = Rol(b, 30);
            b = a;
            a = t;
        }
        k = Vector256.Create(0xCA62C1D6u);
        for (int i = 60; i < 80; i++)
        {
            x = Schedule(w, i);
            t = Rol(a, 5) + (b ^ c ^ d) + e + k + x;
            e = d;
            d = c;
            c = Rol(b, 30);
            b = a;
            a = t;
        }
        (a + Vector256.Create(H0)).Store(digest);
        (b + Vector256.Create(H1)).Store(digest + Lanes);
        (c + Vector256.Create(H2)).Store(digest + (2 * Lanes));
        (d + Vector256.Create(H3)).Store(digest + (3 * Lanes));
        (e + Vector256.Create(H4)).Store(digest + (4 * Lanes));
    }

    /// <summary>Schedule word <paramref name="i"/> (16..79) into the circular buffer slot <c>i mod 16</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe Vector256<uint> Schedule(Vector256<uint>* w, int i)
    {
        Vector256<uint> x = Rol(w[(i - 3) & 15] ^ w[(i - 8) & 15] ^ w[(i - 14) & 15] ^ w[i & 15], 1);
        w[i & 15] = x;
        return x;
    }

    /// <summary>Lane-wise rotate left (AVX2 has no vector rotate: two shifts and an or).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<uint> Rol(Vector256<uint> x, [ConstantExpected(Min = 1, Max = 31)] int n) =>
        (x << n) | (x >>> (32 - n));

    /// <summary>
    /// "1:" + base64 of one lane's 20-byte digest (five big-endian words at stride 8): 28 characters, the last '='.
    /// By hand from the words: <c>Base64.EncodeToUtf8</c> on 20 bytes is its scalar path plus call overhead.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void WriteBase64Text(uint* digest, byte* text)
    {
        ref byte alphabet = ref MemoryMarshal.GetReference(Base64Alphabet);
        text[0] = (byte)'1';
        text[1] = (byte)':';
        // Three 48-bit groups (8 characters each) from bytes 0-5, 6-11, 12-17, then bytes 18-19 (3 characters + '=').
        ulong h01 = ((ulong)digest[0] << 32) | digest[Lanes];
        ulong h23 = ((ulong)digest[2 * Lanes] << 32) | digest[3 * Lanes];
        uint h4 = digest[4 * Lanes];
        WriteBase64Group(ref alphabet, h01 >> 16, text + 2);
        WriteBase64Group(ref alphabet, ((h01 & 0xFFFF) << 32) | (h23 >> 32), text + 10);
        WriteBase64Group(ref alphabet, ((h23 & 0xFFFF_FFFF) << 16) | (h4 >> 16), text + 18);
        uint last = (h4 & 0xFFFF) << 2; // bytes 18-19: 16 bits padded with two zero bits to three sextets
        text[26] = Unsafe.Add(ref alphabet, (int)(last >> 12) & 63);
        text[27] = Unsafe.Add(ref alphabet, (int)(last >> 6) & 63);
        text[28] = Unsafe.Add(ref alphabet, (int)last & 63);
        text[29] = (byte)'=';
    }

    /// <summary>Eight base64 characters of the low 48 bits of <paramref name="bits"/>, most significant first.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void WriteBase64Group(ref byte alphabet, ulong bits, byte* text)
    {
        for (int j = 0; j < 8; j++)
        {
            text[j] = Unsafe.Add(ref alphabet, (int)(bits >> (42 - (6 * j))) & 63);
        }
    }

    private static ReadOnlySpan<byte> Base64Alphabet => "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"u8;

    [DoesNotReturn]
    private static void ThrowDestinationTooShort() =>
        throw new ArgumentException("The destination needs Base64TextLength (30) bytes per tuple.", "destination");
}
