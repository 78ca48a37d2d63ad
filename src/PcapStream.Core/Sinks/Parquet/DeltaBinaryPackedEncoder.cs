using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace PcapStream.Sinks.Parquet;

/// <summary>
/// Parquet's DELTA_BINARY_PACKED encoding for INT32 and INT64 values: the first value, then blocks of 128 deltas
/// (each block: its minimum delta, then four miniblocks of 32 deltas minus that minimum, bit-packed at the
/// miniblock's own width). Increasing columns (timestamps, file offsets, frame numbers) shrink to a few bits per
/// value and small-range ones (lengths, ports, flags) to their range's width, so far fewer bytes reach the page
/// compressor than with PLAIN. Deltas are computed with the wrap-around of the physical type, as readers undo them.
/// </summary>
internal static class DeltaBinaryPackedEncoder
{
    private const int BlockSize = 128, MiniBlocks = 4, MiniBlockSize = BlockSize / MiniBlocks;

    /// <summary>Appends <paramref name="values"/> (at least one; <c>int</c> or <c>long</c>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Encode<T>(ReadOnlySpan<T> values, ByteSink sink)
        where T : unmanaged, IBinaryInteger<T>
    {
        bool int32 = Unsafe.SizeOf<T>() == 4;
        sink.WriteVarint(BlockSize);
        sink.WriteVarint(MiniBlocks);
        sink.WriteVarint((ulong)values.Length);
        sink.WriteVarint(ZigZag(long.CreateTruncating(values[0])));
        // Deltas minus the block minimum, masked to the physical width; a short last miniblock is zero-padded so
        // Pack always reads 32 values.
        Span<ulong> deltas = stackalloc ulong[BlockSize];
        Span<byte> widths = stackalloc byte[MiniBlocks];
        for (int start = 1; start < values.Length; start += BlockSize)
        {
            int n = Math.Min(BlockSize, values.Length - start);
            long min = n == BlockSize && Vector128.IsHardwareAccelerated
                ? (int32
                    ? FullBlock32(MemoryMarshal.Cast<T, int>(values).Slice(start - 1, BlockSize + 1), deltas, widths)
                    : FullBlock64(MemoryMarshal.Cast<T, long>(values).Slice(start - 1, BlockSize + 1), deltas, widths))
                : PartialBlock(values.Slice(start - 1, n + 1), int32, deltas, widths);
            sink.WriteVarint(ZigZag(min));
            int used = (n + MiniBlockSize - 1) / MiniBlockSize;
            sink.Write(widths);
            for (int m = 0; m < used; m++)
            {
                int width = widths[m];
                if (width != 0)
                {
                    // Pack stores whole 8-byte words, so it may touch up to 8 bytes past its 4 * width.
                    Pack(deltas.Slice(m * MiniBlockSize, MiniBlockSize), width, sink.GetSpan(4 * width + 8));
                    sink.Advance(4 * width);
                }
            }
        }
    }

    // The scalar path: any block length, either width. Returns the block's minimum delta.
    private static long PartialBlock<T>(ReadOnlySpan<T> window, bool int32, Span<ulong> deltas, Span<byte> widths)
        where T : unmanaged, IBinaryInteger<T>
    {
        int n = window.Length - 1;
        long min = long.MaxValue;
        Span<long> signed = MemoryMarshal.Cast<ulong, long>(deltas);
        for (int k = 0; k < n; k++)
        {
            long d = unchecked(long.CreateTruncating(window[k + 1]) - long.CreateTruncating(window[k]));
            if (int32)
            {
                d = (int)d;
            }
            signed[k] = d;
            min = Math.Min(min, d);
        }
        int used = (n + MiniBlockSize - 1) / MiniBlockSize;
        ulong mask = int32 ? uint.MaxValue : ulong.MaxValue;
        for (int m = 0; m < MiniBlocks; m++)
        {
            ulong or = 0;
            int end = Math.Min(n, (m + 1) * MiniBlockSize);
            for (int k = m * MiniBlockSize; k < end; k++)
            {
                ulong u = unchecked((ulong)(signed[k] - min)) & mask;
                deltas[k] = u;
                or |= u;
            }
            // Unused miniblocks of the last block keep width 0 and have no body (the spec's rule).
            widths[m] = (byte)(m < used ? 64 - BitOperations.LeadingZeroCount(or) : 0);
        }
        deltas[n..].Clear();
        return min;
    }

    // A full block of 32-bit values (window: the previous value, then 128), vectorised (128-bit vectors: every x64 target has them; a build for x86-64-v2 has no 256-bit ones); same output as PartialBlock.
    private static long FullBlock32(ReadOnlySpan<int> window, Span<ulong> deltas, Span<byte> widths)
    {
        ref int v = ref MemoryMarshal.GetReference(window);
        Span<int> d = stackalloc int[BlockSize];
        ref int d0 = ref MemoryMarshal.GetReference(d);
        Vector128<int> min = Vector128.Create(int.MaxValue);
        for (int k = 0; k < BlockSize; k += Vector128<int>.Count)
        {
            Vector128<int> x = Vector128.LoadUnsafe(ref v, (nuint)(k + 1)) - Vector128.LoadUnsafe(ref v, (nuint)k);
            x.StoreUnsafe(ref d0, (nuint)k);
            min = Vector128.Min(min, x);
        }
        int m0 = int.MaxValue;
        for (int i = 0; i < Vector128<int>.Count; i++)
        {
            m0 = Math.Min(m0, min[i]);
        }
        Vector128<uint> vmin = Vector128.Create(m0).AsUInt32();
        ref ulong o0 = ref MemoryMarshal.GetReference(deltas);
        for (int m = 0; m < MiniBlocks; m++)
        {
            Vector128<uint> or = Vector128<uint>.Zero;
            for (int k = m * MiniBlockSize; k < (m + 1) * MiniBlockSize; k += Vector128<uint>.Count)
            {
                Vector128<uint> u = Vector128.LoadUnsafe(ref d0, (nuint)k).AsUInt32() - vmin;
                or |= u;
                (Vector128<ulong> lo, Vector128<ulong> hi) = Vector128.Widen(u);
                lo.StoreUnsafe(ref o0, (nuint)k);
                hi.StoreUnsafe(ref o0, (nuint)(k + Vector128<ulong>.Count));
            }
            uint all = 0;
            for (int i = 0; i < Vector128<uint>.Count; i++)
            {
                all |= or[i];
            }
            widths[m] = (byte)(32 - BitOperations.LeadingZeroCount(all));
        }
        return m0;
    }

    // A full block of 64-bit values, vectorised (128-bit vectors: every x64 target has them; a build for x86-64-v2 has no 256-bit ones); same output as PartialBlock.
    private static long FullBlock64(ReadOnlySpan<long> window, Span<ulong> deltas, Span<byte> widths)
    {
        ref long v = ref MemoryMarshal.GetReference(window);
        ref ulong o0 = ref MemoryMarshal.GetReference(deltas);
        Vector128<long> min = Vector128.Create(long.MaxValue);
        for (int k = 0; k < BlockSize; k += Vector128<long>.Count)
        {
            Vector128<long> x = Vector128.LoadUnsafe(ref v, (nuint)(k + 1)) - Vector128.LoadUnsafe(ref v, (nuint)k);
            x.AsUInt64().StoreUnsafe(ref o0, (nuint)k);
            min = Vector128.Min(min, x);
        }
        long m0 = long.MaxValue;
        for (int i = 0; i < Vector128<long>.Count; i++)
        {
            m0 = Math.Min(m0, min[i]);
        }
        Vector128<ulong> vmin = Vector128.Create(m0).AsUInt64();
        for (int m = 0; m < MiniBlocks; m++)
        {
            Vector128<ulong> or = Vector128<ulong>.Zero;
            for (int k = m * MiniBlockSize; k < (m + 1) * MiniBlockSize; k += Vector128<ulong>.Count)
            {
                Vector128<ulong> u = Vector128.LoadUnsafe(ref o0, (nuint)k) - vmin;
                or |= u;
                u.StoreUnsafe(ref o0, (nuint)k);
            }
            ulong all = 0;
            for (int i = 0; i < Vector128<ulong>.Count; i++)
            {
                all |= or[i];
            }
            widths[m] = (byte)(64 - BitOperations.LeadingZeroCount(all));
        }
        return m0;
    }

    private static ulong ZigZag(long v) => (ulong)((v << 1) ^ (v >> 63));

    // 32 values (already masked and zero-padded) of `width` (1..64) bits, least significant bit first (the RLE
    // hybrid's bit packing). Writes 4 * width bytes plus up to 8 bytes of scratch past them. Narrow values are
    // first merged in groups (as many as fit a 64-bit word, a power of two): the same bits in the same order, so
    // packing the groups at the group's width gives the same bytes in 32 / group steps instead of 32.
    internal static void Pack(ReadOnlySpan<ulong> values, int width, Span<byte> dst)
    {
        if (width > 32)
        {
            BitPacking.PackWords(values, width, dst);
            return;
        }
        int group = Math.Min(MiniBlockSize, 1 << BitOperations.Log2((uint)(64 / width)));
        int words = MiniBlockSize / group;
        Span<ulong> merged = stackalloc ulong[MiniBlockSize / 2];
        ref ulong v = ref MemoryMarshal.GetReference(values);
        for (int j = 0; j < words; j++)
        {
            ref ulong g = ref Unsafe.Add(ref v, j * group);
            ulong acc = g;
            for (int k = 1; k < group; k++)
            {
                acc |= Unsafe.Add(ref g, k) << (k * width);
            }
            merged[j] = acc;
        }
        BitPacking.PackWords<ulong>(merged[..words], group * width, dst);
    }
}
