using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;
using PcapStream.Decoding;
using PcapStream.Output;

namespace PcapStream.Sinks.Parquet;

/// <summary>
/// A STRING column, dictionary-encoded: each row stores a dictionary index; the dictionary holds each distinct
/// value's UTF-8 once per row group. Keys avoid text work per row: strings are keyed by REFERENCE (the sensor,
/// file, protocol, tunnel and anomaly names and a flow's Community ID are shared instances; an equal string under
/// another reference only costs a duplicate dictionary entry, which Parquet allows), addresses by their 16 bytes
/// (<see cref="AddressTable"/>), so text is produced once per distinct value. When the dictionary would not pay
/// (larger than <see cref="DictionaryLimitBytes"/>, or more than half the values distinct, e.g. flow ids) the
/// chunk falls back to PLAIN from the same buffers. A column whose values are nearly all distinct (a flow's id and
/// Community ID) is <see cref="PlainOnly"/>: PLAIN from the start, each value's bytes appended as they come
/// (<see cref="AppendDistinct(int)"/>), no dictionary, no hashing.
/// </summary>
internal sealed class StringColumn : ColumnBuffer
{
    /// <summary>Dictionary size above which a chunk is written PLAIN (the usual 1 MB dictionary page limit).</summary>
    public const int DictionaryLimitBytes = 1 << 20;

    private readonly int[] _indices;
    private readonly byte[]? _defs;
    private readonly Dictionary<string, int> _byReference = new(ReferenceEqualityComparer.Instance);
    private readonly AddressTable _addresses = new();
    private readonly int _dictionaryLimit;
    private byte[] _arena = new byte[1 << 16];
    private int[] _offsets = new int[1024]; // entry k is _arena[_offsets[k].._offsets[k + 1]]
    private int _arenaLength, _entries, _rows, _count;
    private string? _lastString;
    private int _lastIndex;
    private long[] _keys = new long[256]; // FindKey: (stamp << 32) | index; an entry of an older stamp is absent
    private int _stamp = 1;

    public StringColumn(ColumnDefinition definition, int capacity, int dictionaryLimitBytes = DictionaryLimitBytes)
        : base(definition)
    {
        _indices = new int[capacity];
        _defs = definition.Nullable ? new byte[capacity] : null;
        _dictionaryLimit = dictionaryLimitBytes;
    }

    public override int Rows => _rows;

    /// <summary>
    /// Values are (nearly) all distinct: appended with <see cref="AppendDistinct(int)"/> as their own entries and
    /// written PLAIN, since a dictionary would only cost hashing and a failed attempt. Statistics stay exact
    /// (every value is an entry).
    /// </summary>
    public bool PlainOnly { get; init; }

    /// <summary>Distinct entries in the current row group's dictionary.</summary>
    public int Entries => _entries;

    public override void Reset()
    {
        _rows = _count = _entries = _arenaLength = 0;
        _byReference.Clear();
        _addresses.Clear();
        _lastString = null;
        if (++_stamp == 0)
        {
            Array.Clear(_keys); // wrapped: entries of stamp 0 would look current
            _stamp = 1;
        }
    }

    /// <summary>Appends a string (null appends null; the column must be nullable then).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Add(string? value)
    {
        if (value is null)
        {
            AddNull();
            return;
        }
        Push(IndexOfString(value));
    }

    /// <summary>
    /// Appends an address as the <c>packets</c> command prints it (<see cref="Utf8Format.TryWriteIp"/>): dotted
    /// quad when <paramref name="asIPv4"/> and the address is IPv4(-mapped), else RFC 5952.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void AddAddress(IpAddress16 address, bool asIPv4) => Push(IndexOfAddress(address, asIPv4));

    /// <summary>The dictionary index of an address's text (see <see cref="AddAddress"/>), added when new.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int IndexOfAddress(IpAddress16 address, bool asIPv4)
    {
        bool v4 = address.IsIPv4;
        if (v4 && !asIPv4)
        {
            // A v4-mapped address inside an IPv6 header: IPv6 text, so not under the address's key (rare).
            return NewEntry(address, false);
        }
        int index = _addresses.Find(address, out int slot);
        if (index < 0)
        {
            index = NewEntry(address, v4);
            _addresses.Add(address, slot, index);
        }
        return index;
    }

    /// <summary>
    /// The dictionary index stored under an integer key in this row group (a flow segment number, a protocol
    /// number, an enum value), or -1: one array load instead of hashing a string reference. Keys are small and
    /// dense (they size an array); the caller adds a missing key's text with <see cref="AddKey"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int FindKey(int key)
    {
        long[] keys = _keys;
        if ((uint)key < (uint)keys.Length)
        {
            long e = keys[key];
            if ((int)(e >> 32) == _stamp)
            {
                return (int)e;
            }
        }
        return -1;
    }

    /// <summary>
    /// Adds <paramref name="value"/> under <paramref name="key"/> (see <see cref="FindKey"/>); returns its index.
    /// <paramref name="dedupe"/> false when values are distinct per key anyway (a flow segment's Community ID):
    /// the text gets its own entry without a lookup by reference (a rare repeat is a duplicate entry).
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public int AddKey(int key, string value, bool dedupe = true)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(key);
        if (key >= _keys.Length)
        {
            Array.Resize(ref _keys, (int)Math.Min(Array.MaxLength, Math.Max(key + 1L, _keys.Length * 2L)));
        }
        int index = dedupe ? IndexOf(value) : NewEntry(value);
        _keys[key] = ((long)_stamp << 32) | (uint)index;
        return index;
    }

    /// <summary>Appends the entry <paramref name="index"/> returned by <see cref="FindKey"/> or <see cref="AddKey"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void AddIndex(int index) => Push(index);

    /// <summary>The dictionary index of <paramref name="value"/> (keyed by reference), or -1 for null.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int IndexOfString(string? value) =>
        value is null ? -1 : ReferenceEquals(value, _lastString) ? _lastIndex : IndexOf(value);

    /// <summary>
    /// The index array for fillers that store row <c>i</c>'s dictionary index (-1 for null) at index <c>i</c>,
    /// then call <see cref="SealRows"/> once per row group. Its length is the capacity.
    /// </summary>
    public int[] RowIndices => _indices;

    /// <summary>
    /// Ends a row-indexed fill of <paramref name="rows"/> rows: derives the definition levels from the -1 entries
    /// and moves the present indices to the front, in one pass.
    /// </summary>
    /// <exception cref="InvalidOperationException">A non-nullable column got a null.</exception>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void SealRows(int rows)
    {
        Span<int> indices = _indices.AsSpan(0, rows);
        if (_defs is null)
        {
            if (indices.IndexOfAnyInRange(int.MinValue, -1) >= 0)
            {
                throw new InvalidOperationException($"column '{Definition.Name}' is not nullable, but a row holds null.");
            }
            _rows = _count = rows;
            return;
        }
        Span<byte> levels = _defs.AsSpan(0, rows);
        int c = 0;
        for (int i = 0; i < indices.Length; i++)
        {
            int k = indices[i];
            int d = k >= 0 ? 1 : 0;
            levels[i] = (byte)d;
            indices[c] = k;
            c += d;
        }
        _rows = rows;
        _count = c;
    }

    /// <summary>
    /// Appends a value of <paramref name="length"/> bytes without a dictionary lookup (for <see cref="PlainOnly"/>
    /// columns): returns where to write its UTF-8, valid until the next append.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Span<byte> AppendDistinct(int length)
    {
        Span<byte> dst = Reserve(length);
        Push(Commit(length));
        return dst;
    }

    /// <summary>Appends a string without a dictionary lookup (see <see cref="AppendDistinct(int)"/>).</summary>
    public void AppendDistinct(string value) => Push(NewEntry(value));

    /// <summary>Appends a null (nullable columns only).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void AddNull() => _defs![_rows++] = 0;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void Push(int index)
    {
        _indices[_count++] = index;
        if (_defs is not null)
        {
            _defs[_rows] = 1;
        }
        _rows++;
    }

    private int IndexOf(string value)
    {
        ref int slot = ref CollectionsMarshal.GetValueRefOrAddDefault(_byReference, value, out bool exists);
        if (!exists)
        {
            int n = Encoding.UTF8.GetByteCount(value);
            Span<byte> dst = Reserve(n);
            Encoding.UTF8.GetBytes(value, dst);
            slot = Commit(n);
        }
        _lastString = value;
        _lastIndex = slot;
        return slot;
    }

    private int NewEntry(string value)
    {
        int n = Encoding.UTF8.GetByteCount(value);
        Encoding.UTF8.GetBytes(value, Reserve(n));
        return Commit(n);
    }

    private int NewEntry(IpAddress16 address, bool asIPv4)
    {
        Span<byte> dst = Reserve(Utf8Format.MaxIpLength);
        Utf8Format.TryWriteIp(address, asIPv4, dst, out int n);
        return Commit(n);
    }

    private Span<byte> Reserve(int bytes)
    {
        if (_arena.Length - _arenaLength < bytes)
        {
            Array.Resize(ref _arena, Math.Max(_arena.Length * 2, _arenaLength + bytes));
        }
        return _arena.AsSpan(_arenaLength, bytes);
    }

    private int Commit(int bytes)
    {
        if (_entries + 2 > _offsets.Length)
        {
            Array.Resize(ref _offsets, _offsets.Length * 2);
        }
        _offsets[_entries] = _arenaLength;
        _arenaLength += bytes;
        _offsets[_entries + 1] = _arenaLength;
        return _entries++;
    }

    private ReadOnlySpan<byte> Entry(int k) => _arena.AsSpan(_offsets[k], _offsets[k + 1] - _offsets[k]);

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public override void WriteChunk(ParquetFileWriter writer)
    {
        writer.BeginColumn();
        bool dictionary = !PlainOnly && _entries > 0 && _arenaLength <= _dictionaryLimit && _entries <= _count / 2 + 64;
        int bitWidth = Math.Max(1, RleHybridEncoder.BitWidth(_entries - 1));
        if (dictionary)
        {
            ByteSink page = writer.Page;
            for (int k = 0; k < _entries; k++)
            {
                WritePlain(k, page);
            }
            writer.WriteDictionaryPage(_entries);
        }
        int averageBits = _entries == 0 ? 32 : (int)Math.Min(1 << 20, 32 + _arenaLength * 8L / _entries);
        int perPage = RowsPerPage(writer, dictionary ? bitWidth : averageBits);
        int start = 0, v = 0;
        do
        {
            int end = Math.Min(_rows, start + perPage);
            ByteSink page = writer.Page;
            int values = WritePageLevels(_defs, start, end, page);
            ReadOnlySpan<int> indices = _indices.AsSpan(v, values);
            if (dictionary)
            {
                page.WriteByte((byte)bitWidth);
                RleHybridEncoder.Encode(indices, bitWidth, page);
            }
            else
            {
                foreach (int k in indices)
                {
                    WritePlain(k, page);
                }
            }
            v += values;
            writer.WriteDataPage(end - start, dictionary ? ValueEncoding.RleDictionary : ValueEncoding.Plain);
            start = end;
        }
        while (start < _rows);
        writer.EndColumn(_rows, dictionary ? ValueEncoding.RleDictionary : ValueEncoding.Plain, Statistics());
    }

    // PLAIN BYTE_ARRAY: 4-byte length, then the bytes (dictionary pages and the non-dictionary fallback alike).
    private void WritePlain(int entry, ByteSink page)
    {
        ReadOnlySpan<byte> e = Entry(entry);
        page.WriteInt32LittleEndian(e.Length);
        page.Write(e);
    }

    // Min/max over the dictionary entries (every entry is used), compared as unsigned bytes: UTF-8 byte order is
    // code point order, the order Parquet defines for STRING.
    private ColumnStatistics Statistics()
    {
        long nulls = _rows - _count;
        if (_entries == 0)
        {
            return new ColumnStatistics(nulls, null, null, Legacy: false);
        }
        ReadOnlySpan<byte> min = Entry(0), max = min;
        for (int k = 1; k < _entries; k++)
        {
            ReadOnlySpan<byte> e = Entry(k);
            if (Compare(e, min) < 0)
            {
                min = e;
            }
            else if (Compare(e, max) > 0)
            {
                max = e;
            }
        }
        return new ColumnStatistics(nulls, min.ToArray(), max.ToArray(), Legacy: false);
    }

    // Unsigned byte order; the first 8 bytes compared as one big-endian number decide nearly every pair of
    // distinct values (ids) without the general comparison.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int Compare(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b)
    {
        if (a.Length >= 8 && b.Length >= 8)
        {
            ulong x = BinaryPrimitives.ReadUInt64BigEndian(a), y = BinaryPrimitives.ReadUInt64BigEndian(b);
            if (x != y)
            {
                return x < y ? -1 : 1;
            }
        }
        return a.SequenceCompareTo(b);
    }
}
