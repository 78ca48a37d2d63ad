using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace PcapStream.Decoding;

public static partial class CommunityId
{
    /// <summary>Bytes of one base64 Community ID text: "1:" + 28 base64 characters.</summary>
    public const int Base64TextLength = 2 + Base64Length;

    /// <summary>
    /// A partial group of at least this many tuples still goes through the lane-wise hash (the unused lanes hash
    /// garbage): one pass of 8 (or 4) lanes costs less than two scalar hashes (CommunityIdBenchmarks).
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
    /// fraction of its width. So independent hashes run side by side, one per 32-bit lane (multi-buffer SHA-1, as
    /// OpenSSL and Intel's isa-l_crypto do it): 8 in a Vector256 where AVX2 is available to the code (the JIT on
    /// AVX2 hardware; the Native AOT program built on such a machine or for x86-64-v3), else 4 in a Vector128
    /// (SSE2: every x64); a remainder of one tuple, and hardware without either, take the scalar single-block SHA-1.
    /// </remarks>
    public static void FormatUtf8Batch(ReadOnlySpan<CommunityIdTuple> tuples, Span<byte> destination, ushort seed = 0) =>
        FormatUtf8BatchCore(tuples, destination, seed, Vector256.IsHardwareAccelerated ? 8 : 4);

    /// <summary>
    /// <see cref="FormatUtf8Batch(ReadOnlySpan{CommunityIdTuple}, Span{byte}, ushort)"/> with the lane count chosen
    /// by the caller (tests force each path): 8 (Vector256; taken only where it is hardware-accelerated, else 4),
    /// 4 (Vector128; else scalar) or 1 (scalar).
    /// </summary>
    internal static void FormatUtf8BatchCore(ReadOnlySpan<CommunityIdTuple> tuples, Span<byte> destination, ushort seed, int lanes)
    {
        if (destination.Length < (long)tuples.Length * Base64TextLength)
        {
            ThrowDestinationTooShort();
        }
        if (lanes == 8 && !Vector256.IsHardwareAccelerated)
        {
            lanes = 4;
        }
        if (lanes == 4 && !Vector128.IsHardwareAccelerated)
        {
            lanes = 1;
        }
        int i = 0;
        if (lanes > 1)
        {
            for (; tuples.Length - i >= MinVectorLanes; i += lanes)
            {
                int count = Math.Min(lanes, tuples.Length - i);
                HashLanesBase64(tuples.Slice(i, count), seed, destination.Slice(i * Base64TextLength, count * Base64TextLength), lanes);
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
    /// Up to <paramref name="lanes"/> (8 or 4) tuples: each lane's padded block is written straight into the
    /// transposed message (word <c>i</c> of lane <c>l</c> at <c>words[i * lanes + l]</c>), hashed lane-wise, then
    /// each lane's digest goes to base64. Lanes past <c>tuples.Length</c> hash whatever the stack held and are not
    /// written out.
    /// </summary>
    [SkipLocalsInit]
    private static unsafe void HashLanesBase64(ReadOnlySpan<CommunityIdTuple> tuples, ushort seed, Span<byte> destination, int lanes)
    {
        uint* words = stackalloc uint[16 * 8];
        uint* digest = stackalloc uint[5 * 8];
        for (int lane = 0; lane < tuples.Length; lane++)
        {
            WriteBlock(in tuples[lane], seed, words + lane, lanes);
        }
        if (lanes == 8)
        {
            Sha1Lanes8((Vector256<uint>*)words, digest);
        }
        else
        {
            Sha1Lanes4((Vector128<uint>*)words, digest);
        }
        fixed (byte* text = destination)
        {
            for (int lane = 0; lane < tuples.Length; lane++)
            {
                WriteBase64Text(digest + lane, lanes, text + (lane * Base64TextLength));
            }
        }
    }

    /// <summary>
    /// The tuple's one padded SHA-1 block as 16 big-endian words, word <c>i</c> at <c>block[i * stride]</c>. The input
    /// is seed (2) + two addresses (4 or 16 each) + protocol + zero pad + [ports (4)]: 12, 16, 36 or 40 bytes, always
    /// whole words, so it is assembled from 64-bit pieces shifted by the seed's 16 bits instead of byte by byte.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void WriteBlock(in CommunityIdTuple t, ushort seed, uint* block, int stride)
    {
        IpAddress16 src = t.Src, dst = t.Dst;
        ushort srcPort = t.SrcPort, dstPort = t.DstPort;
        bool hasPorts = t.HasPorts, oneWay = false;
        if (hasPorts && IsIcmp(t.Proto))
        {
            (srcPort, dstPort, oneWay) = MapIcmp(t.Proto, (byte)srcPort, (byte)dstPort);
        }
        // Canonicalise's order, branch-free: which endpoint is smaller is a coin toss per tuple, and the branches
        // mispredicted about half the time. The fields are swapped by mask.
        bool swap = !oneWay & ((src.High > dst.High) | ((src.High == dst.High) &
            ((src.Low > dst.Low) | ((src.Low == dst.Low) & hasPorts & (srcPort > dstPort)))));
        ulong m = (ulong)-(long)(swap ? 1 : 0);
        ulong dh = (src.High ^ dst.High) & m, dl = (src.Low ^ dst.Low) & m;
        int dp = (srcPort ^ dstPort) & (int)m;
        src = new IpAddress16(src.High ^ dh, src.Low ^ dl);
        dst = new IpAddress16(dst.High ^ dh, dst.Low ^ dl);
        srcPort = (ushort)(srcPort ^ dp);
        dstPort = (ushort)(dstPort ^ dp);

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
        block[0 * stride] = (uint)(q0 >> 32);
        block[1 * stride] = (uint)q0;
        block[2 * stride] = (uint)(q1 >> 32);
        block[3 * stride] = (uint)q1;
        block[4 * stride] = (uint)(q2 >> 32);
        block[5 * stride] = (uint)q2;
        block[6 * stride] = (uint)(q3 >> 32);
        block[7 * stride] = (uint)q3;
        block[8 * stride] = (uint)(q4 >> 32);
        block[9 * stride] = (uint)q4;
        block[10 * stride] = (uint)(q5 >> 32);
        block[11 * stride] = (uint)q5;
        block[12 * stride] = 0;
        block[13 * stride] = 0;
        block[14 * stride] = 0;
        block[15 * stride] = (uint)length * 8; // the message length in bits (the high word is 0)
    }

    /// <summary>
    /// "1:" + base64 of one lane's 20-byte digest (five big-endian words <paramref name="stride"/> apart): 28
    /// characters, the last '='. By hand from the words, two characters (12 bits) per table lookup:
    /// <c>Base64.EncodeToUtf8</c> on 20 bytes is its scalar path plus call overhead, one lookup per character.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void WriteBase64Text(uint* digest, int stride, byte* text)
    {
        ref ushort pairs = ref MemoryMarshal.GetArrayDataReference(Base64Pairs.Table);
        text[0] = (byte)'1';
        text[1] = (byte)':';
        // Three 48-bit groups (8 characters each) from bytes 0-5, 6-11, 12-17, then bytes 18-19: 16 bits, two
        // characters of 12 and a last one of 4 bits padded with two zero bits, and '='.
        ulong h01 = ((ulong)digest[0] << 32) | digest[stride];
        ulong h23 = ((ulong)digest[2 * stride] << 32) | digest[3 * stride];
        uint h4 = digest[4 * stride];
        WriteBase64Group(ref pairs, h01 >> 16, text + 2);
        WriteBase64Group(ref pairs, ((h01 & 0xFFFF) << 32) | (h23 >> 32), text + 10);
        WriteBase64Group(ref pairs, ((h23 & 0xFFFF_FFFF) << 16) | (h4 >> 16), text + 18);
        Unsafe.WriteUnaligned(text + 26, Unsafe.Add(ref pairs, (int)(h4 >> 4) & 0xFFF));
        text[28] = Base64Alphabet[(int)(h4 & 0xF) << 2];
        text[29] = (byte)'=';
    }

    /// <summary>Eight base64 characters of the low 48 bits of <paramref name="bits"/>, most significant first.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void WriteBase64Group(ref ushort pairs, ulong bits, byte* text)
    {
        Unsafe.WriteUnaligned(text, Unsafe.Add(ref pairs, (int)(bits >> 36) & 0xFFF));
        Unsafe.WriteUnaligned(text + 2, Unsafe.Add(ref pairs, (int)(bits >> 24) & 0xFFF));
        Unsafe.WriteUnaligned(text + 4, Unsafe.Add(ref pairs, (int)(bits >> 12) & 0xFFF));
        Unsafe.WriteUnaligned(text + 6, Unsafe.Add(ref pairs, (int)bits & 0xFFF));
    }

    private static ReadOnlySpan<byte> Base64Alphabet => "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"u8;

    /// <summary>
    /// The two base64 characters of every 12-bit value, as a pair in memory order (8 KiB). In a class of its own so
    /// that only the batch path pays for (and checks) its initialisation, not every CommunityId call.
    /// </summary>
    private static class Base64Pairs
    {
        public static readonly ushort[] Table = Build();

        private static ushort[] Build()
        {
            var table = new ushort[4096];
            for (int v = 0; v < table.Length; v++)
            {
                byte first = Base64Alphabet[v >> 6], second = Base64Alphabet[v & 63];
                table[v] = BitConverter.IsLittleEndian ? (ushort)(first | (second << 8)) : (ushort)((first << 8) | second);
            }
            return table;
        }
    }

    [DoesNotReturn]
    private static void ThrowDestinationTooShort() =>
        throw new ArgumentException("The destination needs Base64TextLength (30) bytes per tuple.", "destination");
}
