using System.Buffers.Binary;
using System.Numerics;
using System.Runtime.CompilerServices;

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
        Span<long> deltas = stackalloc long[BlockSize];
        Span<byte> widths = stackalloc byte[MiniBlocks];
        for (int start = 1; start < values.Length; start += BlockSize)
        {
            int n = Math.Min(BlockSize, values.Length - start);
            long min = long.MaxValue;
            for (int k = 0; k < n; k++)
            {
                long d = unchecked(long.CreateTruncating(values[start + k]) - long.CreateTruncating(values[start + k - 1]));
                if (int32)
                {
                    d = (int)d;
                }
                deltas[k] = d;
                min = Math.Min(min, d);
            }
            sink.WriteVarint(ZigZag(min));
            int used = (n + MiniBlockSize - 1) / MiniBlockSize;
            ulong mask = int32 ? uint.MaxValue : ulong.MaxValue;
            for (int m = 0; m < MiniBlocks; m++)
            {
                ulong or = 0;
                int end = Math.Min(n, (m + 1) * MiniBlockSize);
                for (int k = m * MiniBlockSize; k < end; k++)
                {
                    long u = unchecked(deltas[k] - min);
                    deltas[k] = u;
                    or |= (ulong)u & mask;
                }
                // Unused miniblocks of the last block keep width 0 and have no body (the spec's rule).
                widths[m] = (byte)(m < used ? 64 - BitOperations.LeadingZeroCount(or) : 0);
            }
            sink.Write(widths);
            for (int m = 0; m < used; m++)
            {
                int width = widths[m];
                int count = Math.Min(MiniBlockSize, n - m * MiniBlockSize);
                Span<byte> dst = sink.GetSpan(4 * width);
                Pack(deltas.Slice(m * MiniBlockSize, count), mask, width, dst);
                sink.Advance(4 * width);
            }
        }
    }

    private static ulong ZigZag(long v) => (ulong)((v << 1) ^ (v >> 63));

    // 32 values of `width` bits, least significant bit first (the RLE hybrid's bit packing); a short last
    // miniblock is padded with zeros. Output: exactly 4 * width bytes.
    private static void Pack(ReadOnlySpan<long> values, ulong mask, int width, Span<byte> dst)
    {
        if (width == 0)
        {
            return;
        }
        ulong acc = 0;
        int bits = 0, o = 0;
        for (int k = 0; k < MiniBlockSize; k++)
        {
            ulong x = k < values.Length ? (ulong)values[k] & mask : 0;
            acc |= x << bits;
            int total = bits + width;
            if (total >= 64)
            {
                BinaryPrimitives.WriteUInt64LittleEndian(dst[o..], acc);
                o += 8;
                acc = bits == 0 ? 0 : x >> (64 - bits);
                bits = total - 64;
            }
            else
            {
                bits = total;
            }
        }
        for (; bits > 0; bits -= 8)
        {
            dst[o++] = (byte)acc;
            acc >>= 8;
        }
    }
}
