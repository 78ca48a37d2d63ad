using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace PcapStream.Decoding;

/// <summary>
/// The lane-wise SHA-1 compressions of the batch Community ID: the same code over Vector256 (8 lanes) and
/// Vector128 (4 lanes), written twice because no common vector type lets it be written once.
/// </summary>
public static partial class CommunityId
{
    /// <summary>
    /// SHA-1 compression of eight one-block messages at once (FIPS 180-4 §6.1.2, lane-wise). <paramref name="w"/>
    /// holds the 16 message words per lane and is reused as a 16-word circular schedule; the digest's five words
    /// go to <paramref name="digest"/>, word <c>k</c> of lane <c>l</c> at <c>digest[k * 8 + l]</c>.
    /// </summary>
    /// <remarks>
    /// The schedule word is computed inside the round that uses it, so the out-of-order core overlaps the
    /// schedule's chain (w[i] needs w[i-3]) with the rounds' chain instead of running one after the other.
    /// </remarks>
    private static unsafe void Sha1Lanes8(Vector256<uint>* w, uint* digest)
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
        (b + Vector256.Create(H1)).Store(digest + 8);
        (c + Vector256.Create(H2)).Store(digest + (2 * 8));
        (d + Vector256.Create(H3)).Store(digest + (3 * 8));
        (e + Vector256.Create(H4)).Store(digest + (4 * 8));
    }

    /// <summary>Schedule word <paramref name="i"/> (16..79) into the circular buffer slot <c>i mod 16</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe Vector256<uint> Schedule(Vector256<uint>* w, int i)
    {
        Vector256<uint> y = w[(i - 3) & 15] ^ w[(i - 8) & 15] ^ w[(i - 14) & 15] ^ w[i & 15];
        Vector256<uint> x = (y + y) | (y >>> 31); // rotate by 1 with an add for the left shift: shifts share fewer ports
        w[i & 15] = x;
        return x;
    }

    /// <summary>Lane-wise rotate left (AVX2 has no vector rotate: two shifts and an or).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<uint> Rol(Vector256<uint> x, [ConstantExpected(Min = 1, Max = 31)] int n) =>
        (x << n) | (x >>> (32 - n));

    /// <summary>
    /// <see cref="Sha1Lanes8"/> in four lanes (Vector128, SSE2: where AVX2 is missing, or in a build for x86-64-v2); the
    /// digest's word <c>k</c> of lane <c>l</c> at <c>digest[k * 4 + l]</c>.
    /// </summary>
    private static unsafe void Sha1Lanes4(Vector128<uint>* w, uint* digest)
    {
        const uint H0 = 0x67452301, H1 = 0xEFCDAB89, H2 = 0x98BADCFE, H3 = 0x10325476, H4 = 0xC3D2E1F0;
        Vector128<uint> a = Vector128.Create(H0), b = Vector128.Create(H1), c = Vector128.Create(H2),
            d = Vector128.Create(H3), e = Vector128.Create(H4), t, x;

        Vector128<uint> k = Vector128.Create(0x5A827999u);
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
        k = Vector128.Create(0x6ED9EBA1u);
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
        k = Vector128.Create(0x8F1BBCDCu);
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
        k = Vector128.Create(0xCA62C1D6u);
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
        (a + Vector128.Create(H0)).Store(digest);
        (b + Vector128.Create(H1)).Store(digest + 4);
        (c + Vector128.Create(H2)).Store(digest + (2 * 4));
        (d + Vector128.Create(H3)).Store(digest + (3 * 4));
        (e + Vector128.Create(H4)).Store(digest + (4 * 4));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe Vector128<uint> Schedule(Vector128<uint>* w, int i)
    {
        Vector128<uint> y = w[(i - 3) & 15] ^ w[(i - 8) & 15] ^ w[(i - 14) & 15] ^ w[i & 15];
        Vector128<uint> x = (y + y) | (y >>> 31); // rotate by 1 with an add for the left shift: shifts share fewer ports
        w[i & 15] = x;
        return x;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<uint> Rol(Vector128<uint> x, [ConstantExpected(Min = 1, Max = 31)] int n) =>
        (x << n) | (x >>> (32 - n));
}
