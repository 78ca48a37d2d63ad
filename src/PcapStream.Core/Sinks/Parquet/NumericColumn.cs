using System.Buffers.Binary;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using PcapStream.Output;

namespace PcapStream.Sinks.Parquet;

/// <summary>
/// A fixed-width column: INT64 (also TIMESTAMP in µs), INT32, DOUBLE, or BOOLEAN (stored as bytes 0/1, written
/// bit-packed). Values are kept dense (only non-null ones), so a page's values are one memory copy; nullable
/// columns keep a definition level (0/1) per row. Encoding is PLAIN; statistics are the exact min/max of the
/// chunk (vectorised), and the null count.
/// </summary>
internal sealed class NumericColumn<T> : ColumnBuffer
    where T : unmanaged, INumber<T>, IMinMaxValue<T>
{
    private readonly T[] _values;
    private byte[]? _defs; // replaced by a shared array by ShareLevels
    private readonly bool _boolean;
    private readonly bool _delta; // INT32/INT64 pages are DELTA_BINARY_PACKED (a page of nulls only stays PLAIN)
    private int _rows, _count;

    public NumericColumn(ColumnDefinition definition, int capacity)
        : base(definition)
    {
        _boolean = definition.Type == ColumnType.Boolean;
        // TIMESTAMP stays PLAIN: Parquet.Net (6.1) reads no DELTA_BINARY_PACKED timestamps.
        _delta = definition.Type is ColumnType.Int32 or ColumnType.Int64;
        int expected = definition.Type switch
        {
            ColumnType.Int64 or ColumnType.Timestamp or ColumnType.Double => 8,
            ColumnType.Int32 => 4,
            ColumnType.Boolean => 1,
            _ => 0,
        };
        if (expected != Unsafe.SizeOf<T>() || (definition.Type == ColumnType.Double) != (typeof(T) == typeof(double)))
        {
            throw new InvalidOperationException($"column '{definition.Name}' ({definition.Type}) cannot be buffered as {typeof(T).Name}.");
        }
        _values = new T[capacity];
        _defs = definition.Nullable ? new byte[capacity] : null;
    }

    public override int Rows => _rows;

    public override void Reset() => _rows = _count = 0;

    /// <summary>Appends a value (non-null).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Add(T value)
    {
        _values[_count++] = value;
        if (_defs is not null)
        {
            _defs[_rows] = 1;
        }
        _rows++;
    }

    /// <summary>Appends <paramref name="value"/> when <paramref name="present"/>, else null (nullable columns only). Branch-free.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Add(bool present, T value)
    {
        byte d = present ? (byte)1 : (byte)0;
        _defs![_rows++] = d;
        _values[_count] = value; // overwritten by the next value when null
        _count += d;
    }

    /// <summary>Appends a null (nullable columns only).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void AddNull() => _defs![_rows++] = 0;

    /// <summary>
    /// The value array for fillers that store row <c>i</c>'s value at index <c>i</c> (one store per value, no
    /// per-column counters or levels while filling), then call <see cref="SealRows(int)"/> or
    /// <see cref="SealLevels(int)"/> once per row group. Its length is the capacity.
    /// </summary>
    public T[] RowValues => _values;

    /// <summary>Ends a row-indexed fill of <paramref name="rows"/> rows that are all non-null.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void SealRows(int rows)
    {
        _defs?.AsSpan(0, rows).Fill(1);
        _rows = _count = rows;
    }

    /// <summary>
    /// Makes <paramref name="levels"/> (at least the capacity long) this nullable column's definition levels, shared
    /// with the other columns of the same null rule: the filler computes them once per rule and row group, then
    /// calls <see cref="SealLevels"/>, and the writer encodes a page's levels once for all the columns sharing them.
    /// </summary>
    public void ShareLevels(byte[] levels)
    {
        if (_defs is null || levels.Length < _values.Length)
        {
            throw new InvalidOperationException($"column '{Definition.Name}' is not nullable, or the levels are shorter than its capacity.");
        }
        _defs = levels;
    }

    /// <summary>
    /// Ends a row-indexed fill of <paramref name="rows"/> rows whose definition levels are already in place (the
    /// array given to <see cref="ShareLevels"/>): moves the present values to the front.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void SealLevels(int rows)
    {
        byte[] defs = _defs ?? throw new InvalidOperationException($"column '{Definition.Name}' is not nullable.");
        ReadOnlySpan<byte> levels = defs.AsSpan(0, rows);
        // Rows before the first null stay where they are (all of them in a column without nulls).
        int first = levels.IndexOf((byte)0);
        _rows = rows;
        _count = first < 0 ? rows : Compact(_values.AsSpan(0, rows), levels, first);
    }

    // Moves the values of present rows (level 1) from `first` on to the front; returns how many are present.
    // Four rows at a time for 4- and 8-byte values where SSSE3 is (pshufb: the portable shuffle is a loop on the
    // x86-64 baseline, so it is asked for by name; the compiler checks the CPU once): the rows' levels index a table
    // of byte shuffles that gathers the present values to the front of the vector(s), stored whole at the output
    // position (which never passes the input's, and the values it overwrites were loaded already); the position
    // moves on by their count. Elsewhere eight rows at a time: all present is one block move, else one by one.
    private static int Compact(Span<T> values, ReadOnlySpan<byte> levels, int first)
    {
        int c = first, i = first;
        int size = Unsafe.SizeOf<T>();
        ref byte l = ref MemoryMarshal.GetReference(levels);
        ref T v0 = ref MemoryMarshal.GetReference(values);
        if ((size == 4 || size == 8) && Ssse3.IsSupported)
        {
            ref byte v = ref Unsafe.As<T, byte>(ref v0);
            byte[] table = size == 4 ? CompactTables.Shuffle32 : CompactTables.Shuffle64;
            ref byte t = ref MemoryMarshal.GetArrayDataReference(table);
            for (; i + 4 <= values.Length; i += 4)
            {
                uint u = Unsafe.ReadUnaligned<uint>(ref Unsafe.Add(ref l, i)) & 0x01010101u;
                // The four 0/1 bytes as a 4-bit number (row i in bit 0): each byte's bit lands at bit 24 + k.
                int m = (int)((u * 0x01020408u) >> 24) & 0xF;
                if (size == 4)
                {
                    Vector128<byte> x = Vector128.LoadUnsafe(ref v, (nuint)(i * 4));
                    Ssse3.Shuffle(x, Vector128.LoadUnsafe(ref t, (nuint)(m * 16))).StoreUnsafe(ref v, (nuint)(c * 4));
                }
                else
                {
                    // Rows i, i+1 (low vector) and i+2, i+3 (high): the low pair's present values, then the high pair's.
                    Vector128<byte> lo = Vector128.LoadUnsafe(ref v, (nuint)(i * 8));
                    Vector128<byte> hi = Vector128.LoadUnsafe(ref v, (nuint)(i * 8 + 16));
                    int a = m & 3, b = m >> 2;
                    Ssse3.Shuffle(lo, Vector128.LoadUnsafe(ref t, (nuint)(a * 16))).StoreUnsafe(ref v, (nuint)(c * 8));
                    Ssse3.Shuffle(hi, Vector128.LoadUnsafe(ref t, (nuint)(b * 16))).StoreUnsafe(ref v, (nuint)((c + (a + 1) / 2) * 8));
                }
                c += BitOperations.PopCount((uint)m);
            }
        }
        else
        {
            for (; i + 8 <= values.Length; i += 8)
            {
                ulong u = Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref l, i));
                if (u == 0x0101010101010101UL)
                {
                    // Overlapping ranges are fine (c <= i): a forward copy.
                    MemoryMarshal.CreateSpan(ref Unsafe.Add(ref v0, i), 8).CopyTo(MemoryMarshal.CreateSpan(ref Unsafe.Add(ref v0, c), 8));
                    c += 8;
                    continue;
                }
                for (int k = i; k < i + 8; k++)
                {
                    Unsafe.Add(ref v0, c) = Unsafe.Add(ref v0, k);
                    c += Unsafe.Add(ref l, k);
                }
            }
        }
        for (; i < values.Length; i++)
        {
            int d = levels[i];
            values[c] = values[i];
            c += d;
        }
        return c;
    }

    /// <summary>
    /// Fills this column from <paramref name="source"/> (same rows and nulls) with <paramref name="map"/> applied to
    /// each value: derived columns (the TCP flag bits from <c>tcpFlags</c>, µs and ms from ns) are computed here,
    /// once per row group in a tight loop, instead of filled per packet.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void DeriveFrom<TSource, TMap>(NumericColumn<TSource> source, TMap map)
        where TSource : unmanaged, INumber<TSource>, IMinMaxValue<TSource>
        where TMap : struct, IValueMap<TSource, T>
    {
        if (source._defs is not null && !ReferenceEquals(source._defs, _defs))
        {
            source._defs.AsSpan(0, source._rows).CopyTo(_defs);
        }
        ReadOnlySpan<TSource> from = source._values.AsSpan(0, source._count);
        Span<T> to = _values.AsSpan(0, from.Length);
        int i = 0;
        if (typeof(TMap) == typeof(BitOf) && typeof(TSource) == typeof(int) && typeof(T) == typeof(byte) && Vector128.IsHardwareAccelerated)
        {
            // The TCP flag bits, 16 values at a time.
            int bit = Unsafe.As<TMap, BitOf>(ref map).Bit;
            ref int f = ref Unsafe.As<TSource, int>(ref MemoryMarshal.GetReference(from));
            ref byte t = ref Unsafe.As<T, byte>(ref MemoryMarshal.GetReference(to));
            Vector128<int> one = Vector128<int>.One;
            for (; i + 16 <= from.Length; i += 16)
            {
                Vector128<int> a = Vector128.ShiftRightLogical(Vector128.LoadUnsafe(ref f, (nuint)i), bit) & one;
                Vector128<int> b = Vector128.ShiftRightLogical(Vector128.LoadUnsafe(ref f, (nuint)(i + 4)), bit) & one;
                Vector128<int> c = Vector128.ShiftRightLogical(Vector128.LoadUnsafe(ref f, (nuint)(i + 8)), bit) & one;
                Vector128<int> d = Vector128.ShiftRightLogical(Vector128.LoadUnsafe(ref f, (nuint)(i + 12)), bit) & one;
                Vector128.Narrow(Vector128.Narrow(a, b).AsUInt16(), Vector128.Narrow(c, d).AsUInt16()).StoreUnsafe(ref t, (nuint)i);
            }
        }
        for (; i < from.Length; i++)
        {
            to[i] = map.Map(from[i]);
        }
        _rows = source._rows;
        _count = source._count;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public override void WriteChunk(ParquetFileWriter writer)
    {
        writer.BeginColumn();
        int perPage = RowsPerPage(writer, _boolean ? 1 : Unsafe.SizeOf<T>() * 8);
        int start = 0, v = 0;
        do
        {
            int end = Math.Min(_rows, start + perPage);
            ByteSink page = writer.Page;
            int values = WritePageLevels(writer, _defs, start, end);
            ReadOnlySpan<T> slice = _values.AsSpan(v, values);
            ValueEncoding encoding = ValueEncoding.Plain;
            if (_boolean)
            {
                WriteBits(MemoryMarshal.AsBytes(slice), page);
            }
            else if (_delta && values > 0)
            {
                WriteDelta(slice, page);
                encoding = ValueEncoding.DeltaBinaryPacked;
            }
            else
            {
                page.Write(MemoryMarshal.AsBytes(slice));
            }
            v += values;
            writer.WriteDataPage(end - start, encoding);
            start = end;
        }
        while (start < _rows);
        writer.EndColumn(_rows, _delta && _count > 0 ? ValueEncoding.DeltaBinaryPacked : ValueEncoding.Plain, Statistics());
    }

    private static void WriteDelta(ReadOnlySpan<T> values, ByteSink page)
    {
        if (typeof(T) == typeof(long))
        {
            DeltaBinaryPackedEncoder.Encode(MemoryMarshal.Cast<T, long>(values), page);
        }
        else
        {
            DeltaBinaryPackedEncoder.Encode(MemoryMarshal.Cast<T, int>(values), page);
        }
    }

    // PLAIN booleans: one bit each, least significant bit first. 16 at a time: each 0/1 byte shifted into its
    // sign bit, the 16 sign bits gathered by one movemask.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void WriteBits(ReadOnlySpan<byte> bools, ByteSink page)
    {
        int bytes = (bools.Length + 7) >> 3;
        Span<byte> dst = page.GetSpan(bytes);
        int i = 0;
        if (Vector128.IsHardwareAccelerated)
        {
            for (; i + 16 <= bools.Length; i += 16)
            {
                uint bits = Vector128.ShiftLeft(Vector128.Create(bools.Slice(i, 16)), 7).ExtractMostSignificantBits();
                BinaryPrimitives.WriteUInt16LittleEndian(dst[(i >> 3)..], (ushort)bits);
            }
        }
        for (int b = i >> 3; b < bytes; b++)
        {
            int o = b * 8, n = Math.Min(8, bools.Length - o);
            int x = 0;
            for (int k = 0; k < n; k++)
            {
                x |= bools[o + k] << k;
            }
            dst[b] = (byte)x;
        }
        page.Advance(bytes);
    }

    private ColumnStatistics Statistics()
    {
        long nulls = _rows - _count;
        if (_count == 0)
        {
            return new ColumnStatistics(nulls, null, null, Legacy: true);
        }
        (T min, T max) = MinMax(_values.AsSpan(0, _count));
        return new ColumnStatistics(nulls, Bytes(min), Bytes(max), Legacy: true);
    }

    private static byte[] Bytes(T value)
    {
        var bytes = new byte[Unsafe.SizeOf<T>()];
        MemoryMarshal.Write(bytes, in value);
        return bytes;
    }

    private static (long Min, long Max) MinMax64(ReadOnlySpan<long> values)
    {
        ref long v = ref MemoryMarshal.GetReference(values);
        Vector128<long> lo = Vector128.Create(long.MaxValue), hi = Vector128.Create(long.MinValue);
        int i = 0;
        for (; i + 2 <= values.Length; i += 2)
        {
            Vector128<long> x = Vector128.LoadUnsafe(ref v, (nuint)i);
            lo = Sse41.BlendVariable(lo, x, Sse42.CompareGreaterThan(lo, x)); // x where lo > x
            hi = Sse41.BlendVariable(hi, x, Sse42.CompareGreaterThan(x, hi));
        }
        long min = Math.Min(lo.GetElement(0), lo.GetElement(1)), max = Math.Max(hi.GetElement(0), hi.GetElement(1));
        for (; i < values.Length; i++)
        {
            min = Math.Min(min, values[i]);
            max = Math.Max(max, values[i]);
        }
        return (min, max);
    }

    private static (int Min, int Max) MinMax32(ReadOnlySpan<int> values)
    {
        ref int v = ref MemoryMarshal.GetReference(values);
        Vector128<int> lo = Vector128.Create(int.MaxValue), hi = Vector128.Create(int.MinValue);
        int i = 0;
        for (; i + 4 <= values.Length; i += 4)
        {
            Vector128<int> x = Vector128.LoadUnsafe(ref v, (nuint)i);
            lo = Sse41.Min(lo, x);
            hi = Sse41.Max(hi, x);
        }
        int min = int.MaxValue, max = int.MinValue;
        for (int k = 0; k < 4; k++)
        {
            min = Math.Min(min, lo.GetElement(k));
            max = Math.Max(max, hi.GetElement(k));
        }
        for (; i < values.Length; i++)
        {
            min = Math.Min(min, values[i]);
            max = Math.Max(max, values[i]);
        }
        return (min, max);
    }

    /// <summary>Min and max of a non-empty span (NaN is skipped for doubles, as the Parquet spec asks).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static (T Min, T Max) MinMax(ReadOnlySpan<T> values)
    {
        T min = T.MaxValue, max = T.MinValue;
        int i = 0;
        // Signed 64- and 32-bit min/max by name (SSE4.2 compare + SSE4.1 blend, SSE4.1 pminsd/pmaxsd): the
        // portable Vector.Min of these is emulated element by element on the x86-64 baseline (SSE2).
        if (typeof(T) == typeof(long) && Sse42.IsSupported)
        {
            (long lo, long hi) = MinMax64(MemoryMarshal.Cast<T, long>(values));
            return (T.CreateTruncating(lo), T.CreateTruncating(hi));
        }
        if (typeof(T) == typeof(int) && Sse41.IsSupported)
        {
            (int lo, int hi) = MinMax32(MemoryMarshal.Cast<T, int>(values));
            return (T.CreateTruncating(lo), T.CreateTruncating(hi));
        }
        if (typeof(T) != typeof(double) && Vector.IsHardwareAccelerated && Vector<T>.IsSupported && values.Length >= Vector<T>.Count)
        {
            var vmin = new Vector<T>(min);
            var vmax = new Vector<T>(max);
            for (; i <= values.Length - Vector<T>.Count; i += Vector<T>.Count)
            {
                var v = new Vector<T>(values[i..]);
                vmin = Vector.Min(vmin, v);
                vmax = Vector.Max(vmax, v);
            }
            for (int k = 0; k < Vector<T>.Count; k++)
            {
                min = T.Min(min, vmin[k]);
                max = T.Max(max, vmax[k]);
            }
        }
        for (; i < values.Length; i++)
        {
            T v = values[i];
            if (T.IsNaN(v))
            {
                continue;
            }
            if (v < min)
            {
                min = v;
            }
            if (v > max)
            {
                max = v;
            }
        }
        return (min, max);
    }
}

/// <summary>A value transform for <see cref="NumericColumn{T}.DeriveFrom"/> (a struct, so the loop inlines it).</summary>
internal interface IValueMap<TFrom, TTo>
{
    /// <summary>The derived value.</summary>
    TTo Map(TFrom value);
}

/// <summary>Bit <see cref="Bit"/> of a flags value as a boolean byte.</summary>
internal readonly record struct BitOf(int Bit) : IValueMap<int, byte>
{
    public byte Map(int value) => (byte)((value >> Bit) & 1);
}

/// <summary>Floor division by 1000 (ns to µs, also before 1970); inlined with a constant divisor, so a multiply.</summary>
internal readonly record struct FloorDivide1000 : IValueMap<long, long>
{
    public long Map(long value) => Utf8Format.FloorDiv(value, 1000);
}

/// <summary>Floor division by 1 000 000 (ns to ms, also before 1970).</summary>
internal readonly record struct FloorDivide1000000 : IValueMap<long, long>
{
    public long Map(long value) => Utf8Format.FloorDiv(value, 1_000_000);
}

/// <summary>The byte shuffles of <see cref="NumericColumn{T}.SealLevels"/>'s compaction.</summary>
file static class CompactTables
{
    /// <summary>16 shuffles of 16 bytes: for each 4-bit presence mask, the present 4-byte lanes first.</summary>
    public static readonly byte[] Shuffle32 = Make(4);

    /// <summary>4 shuffles of 16 bytes: for each 2-bit presence mask, the present 8-byte lanes first.</summary>
    public static readonly byte[] Shuffle64 = Make(8);

    private static byte[] Make(int lane)
    {
        int lanes = 16 / lane, masks = 1 << lanes;
        var table = new byte[masks * 16];
        for (int m = 0; m < masks; m++)
        {
            int o = 0;
            for (int k = 0; k < lanes; k++)
            {
                if ((m & (1 << k)) != 0)
                {
                    for (int b = 0; b < lane; b++)
                    {
                        table[m * 16 + o++] = (byte)(k * lane + b);
                    }
                }
            }
            // The rest of the vector is zeros: it lands past the output position (overwritten later, or unused).
            while (o < 16)
            {
                table[m * 16 + o++] = 0x80;
            }
        }
        return table;
    }
}
