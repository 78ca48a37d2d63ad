using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace PcapStream.Sinks.Parquet;

/// <summary>
/// Parquet's RLE / bit-packed hybrid encoding (definition and repetition levels, dictionary indices). Runs of 8 or
/// more equal values (beyond what aligns the pending bit-packed groups) become RLE runs; everything else is
/// bit-packed in groups of 8, at most 63 groups per run (the limit parquet-mr keeps, so every reader accepts it).
/// A column without nulls is one RLE run: its levels cost a few bytes per page.
/// </summary>
internal static class RleHybridEncoder
{
    private const int MaxGroupsPerRun = 63;

    /// <summary>Bits needed for values up to <paramref name="max"/> (0 for 0).</summary>
    public static int BitWidth(int max) => max == 0 ? 0 : 32 - BitOperations.LeadingZeroCount((uint)max);

    /// <summary>Appends <paramref name="values"/> encoded with <paramref name="bitWidth"/> bits each (1..32).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Encode<T>(ReadOnlySpan<T> values, int bitWidth, ByteSink sink)
        where T : unmanaged, IBinaryInteger<T>
    {
        int n = values.Length, i = 0, pending = 0; // pending values (bit-packed, not yet written) end at i
        while (i < n)
        {
            T v = values[i];
            int run;
            if (i + 1 < n && values[i + 1] != v)
            {
                run = 1; // the common case for indices of interleaved flows: no vectorised search for it
            }
            else
            {
                run = values[i..].IndexOfAnyExcept(v);
                if (run < 0)
                {
                    run = n - i;
                }
            }
            int align = (8 - (pending & 7)) & 7;
            if (run - align >= 8)
            {
                // Complete the pending groups with the run's first values, write them, then the rest as one RLE run.
                pending += align;
                i += align;
                run -= align;
                FlushPacked(values.Slice(i - pending, pending), bitWidth, sink);
                pending = 0;
                WriteRle(int.CreateTruncating(v), run, bitWidth, sink);
                i += run;
            }
            else
            {
                pending += run;
                i += run;
                if (pending >= MaxGroupsPerRun * 8)
                {
                    int whole = pending & ~7;
                    FlushPacked(values.Slice(i - pending, whole), bitWidth, sink);
                    pending -= whole;
                }
            }
        }
        if (pending > 0)
        {
            FlushPacked(values.Slice(n - pending, pending), bitWidth, sink);
        }
    }

    private static void WriteRle(int value, int count, int bitWidth, ByteSink sink)
    {
        sink.WriteVarint((ulong)count << 1);
        int bytes = (bitWidth + 7) >> 3;
        for (int b = 0; b < bytes; b++)
        {
            sink.WriteByte((byte)(value >> (8 * b)));
        }
    }

    // Bit-packed runs of up to 63 groups of 8 values; the last group of the page is padded with zeros (readers
    // stop at the page's value count).
    private static void FlushPacked<T>(ReadOnlySpan<T> values, int bitWidth, ByteSink sink)
        where T : unmanaged, IBinaryInteger<T>
    {
        int start = 0;
        while (start < values.Length)
        {
            int count = Math.Min(values.Length - start, MaxGroupsPerRun * 8);
            int groups = (count + 7) >> 3;
            sink.WriteVarint(((ulong)groups << 1) | 1);
            // 8 bytes of slack: the narrow packer stores whole words.
            Span<byte> dst = sink.GetSpan(groups * bitWidth + 8);
            PackBits(values.Slice(start, count), bitWidth, dst, groups * 8);
            sink.Advance(groups * bitWidth);
            start += count;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void PackBits<T>(ReadOnlySpan<T> values, int bitWidth, Span<byte> dst, int padded)
        where T : unmanaged, IBinaryInteger<T>
    {
        if (bitWidth <= 8)
        {
            PackNarrow(values, bitWidth, dst);
            return;
        }
        PackWide(values, bitWidth, dst, padded);
    }

    // Widths 9..32 (dictionary indices): packed a word at a time (BitPacking.PackWords). The padding of a partial
    // last group is cleared (bytes past the last store may hold old data).
    private static void PackWide<T>(ReadOnlySpan<T> values, int bitWidth, Span<byte> dst, int padded)
        where T : unmanaged, IBinaryInteger<T>
    {
        nint at = BitPacking.PackWords(values, bitWidth, dst);
        int bytes = padded * bitWidth / 8;
        if (at + 8 < bytes)
        {
            dst[(int)(at + 8)..bytes].Clear();
        }
    }

    // Widths up to 8 (definition levels, small dictionaries): a group of 8 values is at most 64 bits, so it is
    // merged into one word, stored whole (up to 8 bytes past the group, the caller's slack) and the output moves
    // on by the width. Same bytes as the general loop, without a store per byte or a bounds check.
    private static void PackNarrow<T>(ReadOnlySpan<T> values, int bitWidth, Span<byte> dst)
        where T : unmanaged, IBinaryInteger<T>
    {
        ref T v = ref MemoryMarshal.GetReference(values);
        ref byte o = ref MemoryMarshal.GetReference(dst);
        int full = values.Length >> 3;
        nint at = 0;
        for (int g = 0; g < full; g++)
        {
            ref T p = ref Unsafe.Add(ref v, g * 8);
            ulong acc = ulong.CreateTruncating(p)
                | (ulong.CreateTruncating(Unsafe.Add(ref p, 1)) << bitWidth)
                | (ulong.CreateTruncating(Unsafe.Add(ref p, 2)) << (2 * bitWidth))
                | (ulong.CreateTruncating(Unsafe.Add(ref p, 3)) << (3 * bitWidth))
                | (ulong.CreateTruncating(Unsafe.Add(ref p, 4)) << (4 * bitWidth))
                | (ulong.CreateTruncating(Unsafe.Add(ref p, 5)) << (5 * bitWidth))
                | (ulong.CreateTruncating(Unsafe.Add(ref p, 6)) << (6 * bitWidth))
                | (ulong.CreateTruncating(Unsafe.Add(ref p, 7)) << (7 * bitWidth));
            Unsafe.WriteUnaligned(ref Unsafe.Add(ref o, at), acc);
            at += bitWidth;
        }
        int rest = values.Length - full * 8;
        if (rest > 0)
        {
            // The page's last group, padded with zeros.
            ulong acc = 0;
            for (int k = 0; k < rest; k++)
            {
                acc |= ulong.CreateTruncating(Unsafe.Add(ref v, full * 8 + k)) << (k * bitWidth);
            }
            Unsafe.WriteUnaligned(ref Unsafe.Add(ref o, at), acc);
        }
    }
}
