using System.Buffers.Binary;
using System.Numerics;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace PcapStream.Decoding;

public static partial class CommunityId
{
    /// <summary>
    /// SHA-1 (FIPS 180-4) of at most 55 bytes: one padded block, one compression. The Community ID input is
    /// at most 40 bytes, and the platform's <c>SHA1.HashData</c> goes through OpenSSL, whose per-call set-up
    /// costs several times this whole computation — it dominated the per-packet cost of <c>packets</c> output.
    /// Checked against <c>SHA1.HashData</c> in the tests.
    /// </summary>
    /// <param name="input">0 to 55 bytes.</param>
    /// <param name="hash">Receives 20 bytes.</param>
    [SkipLocalsInit]
    internal static unsafe void Sha1SingleBlock(ReadOnlySpan<byte> input, Span<byte> hash)
    {
        if (input.Length > 55)
        {
            ThrowInputTooLong();
        }
        if (hash.Length < 20)
        {
            ThrowHashTooShort();
        }
        Span<byte> block = stackalloc byte[64];
        block.Clear();
        input.CopyTo(block);
        block[input.Length] = 0x80;
        BinaryPrimitives.WriteUInt64BigEndian(block[56..], (ulong)input.Length * 8);

        // Pointers and one loop per round function: the span-indexed loop with a four-way branch per round paid a
        // bounds check per schedule word and a mispredicted branch per round group (~240 ns per flow record's
        // Community ID, ~6 % of a flows-only ingest). The schedule lives on the stack, not zeroed (SkipLocalsInit).
        uint* w = stackalloc uint[80];
        for (int i = 0; i < 16; i++)
        {
            w[i] = BinaryPrimitives.ReadUInt32BigEndian(block[(4 * i)..]);
        }
        for (int i = 16; i < 32; i++)
        {
            w[i] = BitOperations.RotateLeft(w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16], 1);
        }
        // From word 32 on, the equivalent recurrence w[i] = rol2(w[i-6] ^ w[i-16] ^ w[i-28] ^ w[i-32]) reads no word
        // of its own group of four, so the schedule goes four words at a time: the one-word recurrence was a
        // store-to-load chain through w[i-3] and about half of this method's time.
        for (int i = 32; i < 80; i += 4)
        {
            Vector128<uint> v = Vector128.Load(w + i - 6) ^ Vector128.Load(w + i - 16) ^ Vector128.Load(w + i - 28) ^ Vector128.Load(w + i - 32);
            ((v << 2) | (v >>> 30)).Store(w + i);
        }

        const uint H0 = 0x67452301, H1 = 0xEFCDAB89, H2 = 0x98BADCFE, H3 = 0x10325476, H4 = 0xC3D2E1F0;
        uint a = H0, b = H1, c = H2, d = H3, e = H4, t;
        for (int i = 0; i < 20; i++)
        {
            t = BitOperations.RotateLeft(a, 5) + (d ^ (b & (c ^ d))) + e + 0x5A827999 + w[i];
            e = d;
            d = c;
            c = BitOperations.RotateLeft(b, 30);
            b = a;
            a = t;
        }
        for (int i = 20; i < 40; i++)
        {
            t = BitOperations.RotateLeft(a, 5) + (b ^ c ^ d) + e + 0x6ED9EBA1 + w[i];
            e = d;
            d = c;
            c = BitOperations.RotateLeft(b, 30);
            b = a;
            a = t;
        }
        for (int i = 40; i < 60; i++)
        {
            t = BitOperations.RotateLeft(a, 5) + ((b & c) | (d & (b | c))) + e + 0x8F1BBCDC + w[i];
            e = d;
            d = c;
            c = BitOperations.RotateLeft(b, 30);
            b = a;
            a = t;
        }
        for (int i = 60; i < 80; i++)
        {
            t = BitOperations.RotateLeft(a, 5) + (b ^ c ^ d) + e + 0xCA62C1D6 + w[i];
            e = d;
            d = c;
            c = BitOperations.RotateLeft(b, 30);
            b = a;
            a = t;
        }
        BinaryPrimitives.WriteUInt32BigEndian(hash, H0 + a);
        BinaryPrimitives.WriteUInt32BigEndian(hash[4..], H1 + b);
        BinaryPrimitives.WriteUInt32BigEndian(hash[8..], H2 + c);
        BinaryPrimitives.WriteUInt32BigEndian(hash[12..], H3 + d);
        BinaryPrimitives.WriteUInt32BigEndian(hash[16..], H4 + e);
    }

    [DoesNotReturn]
    private static void ThrowHashTooShort() =>
        throw new ArgumentException("SHA-1 needs 20 bytes.", "hash");

    [DoesNotReturn]
    private static void ThrowInputTooLong() =>
        throw new ArgumentException("Single-block SHA-1 takes at most 55 bytes.", "input");
}
