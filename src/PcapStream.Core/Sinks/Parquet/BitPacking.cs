using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace PcapStream.Sinks.Parquet;

/// <summary>The word-at-a-time bit packer shared by the RLE/bit-packed hybrid and the DELTA_BINARY_PACKED encoders.</summary>
internal static class BitPacking
{
    /// <summary>
    /// Packs <paramref name="values"/> of <paramref name="width"/> (1..64) bits back to back, least significant bit
    /// first. Branch-free: each value is merged into a 64-bit accumulator that is stored whole after every value
    /// (up to 8 bytes past the packed bits: the caller's slack), and the output moves on a word at a time.
    /// Returns the byte offset of the last word stored (the bytes after it + 8 were not written).
    /// </summary>
    public static nint PackWords<T>(ReadOnlySpan<T> values, int width, Span<byte> dst)
        where T : unmanaged, IBinaryInteger<T>
    {
        ref T v = ref MemoryMarshal.GetReference(values);
        ref byte o = ref MemoryMarshal.GetReference(dst);
        ulong acc = 0;
        int bits = 0;
        nint at = 0;
        for (int k = 0; k < values.Length; k++)
        {
            ulong x = ulong.CreateTruncating(Unsafe.Add(ref v, k));
            acc |= x << bits;
            Unsafe.WriteUnaligned(ref Unsafe.Add(ref o, at), acc);
            // The bits of x that did not fit (x >> (64 - bits), written so that bits == 0 gives 0, not x).
            ulong carry = (x >> 1) >> (63 - bits);
            int total = bits + width;
            int spill = total >> 6;
            at += spill << 3;
            acc = spill != 0 ? carry : acc;
            bits = total & 63;
        }
        // A value that spilled last still has its carry to store (e.g. width 33: 1056 bits end mid-word).
        Unsafe.WriteUnaligned(ref Unsafe.Add(ref o, at), acc);
        return at;
    }
}
