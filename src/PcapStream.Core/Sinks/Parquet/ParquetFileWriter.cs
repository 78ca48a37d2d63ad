using System.Text;
using PcapStream.Output;

namespace PcapStream.Sinks.Parquet;

/// <summary>
/// Writes one Parquet file for a fixed column list: the magic, row groups of column chunks (an optional
/// dictionary page, then data pages v1 with RLE levels), and the Thrift compact footer with exact statistics.
/// Column buffers (<see cref="ColumnBuffer"/>) drive it one chunk at a time through <see cref="BeginColumn"/>,
/// <see cref="Page"/> / <see cref="WriteDataPage"/> and <see cref="EndColumn"/>. The stream is written
/// sequentially and never sought, so a plain buffered <see cref="FileStream"/> suits it. Not thread-safe.
/// </summary>
internal sealed class ParquetFileWriter : IDisposable
{
    private static readonly byte[] Magic = "PAR1"u8.ToArray();
    private const string CreatedBy = "pcapstream parquet writer 1 (Thrift compact, data page v1)";

    private readonly Stream _stream;
    private readonly IReadOnlyList<ColumnDefinition> _columns;
    private readonly string[][] _paths;
    private readonly WriterBuffers _buffers;
    private readonly PageCompressor _compressor;
    private readonly ByteSink _header;
    private readonly ThriftCompactWriter _thrift;
    private readonly List<RowGroupMeta> _rowGroups = [];
    private long _position;
    private bool _disposed;
    private long _rows;

    // The chunk being written.
    private ChunkMeta[]? _chunks;
    private int _column = -1;
    private long _chunkStart, _dictionaryOffset = -1, _dataOffset = -1, _uncompressed, _compressed;

    private sealed record ChunkMeta(long Start, long DictionaryOffset, long DataOffset, long Values, long Uncompressed, long Compressed,
        ValueEncoding Encoding, ColumnStatistics Statistics, Codec Codec);

    // The chunk's codec is chosen at its first page from a sample: when the compressor shrinks the sample by
    // less than 1/8 (bit-packed deltas, random sequence numbers), the chunk is stored uncompressed and the
    // compressor never runs over it. The codec is per column chunk in the metadata, so readers follow. The sample
    // is the page's END: its start is the definition levels, which compress well whatever the values do (the
    // ports' samples passed, their chunks then shrank by only 5-8%). A column that failed the trial (or whose
    // whole first page did) is stored uncompressed without one for its next RetryAfter chunks in this file: the
    // same column of the next row group is alike, and the trial itself cost a snappy run per chunk.
    private const int SampleBytes = 16 << 10;
    private const int RetryAfter = 7;
    private bool _compressChunk;
    private readonly int[] _skipTrials; // per column: chunks left to store uncompressed without a trial

    // Encoded definition levels of the row group's pages, by level array and row range (an array's content is
    // fixed while its row group is written; the cache is emptied per row group).
    private readonly ByteSink _levels; // the thread's WriterBuffers.Levels
    private LevelsEntry[] _levelsEntries = new LevelsEntry[16];
    private int _levelsCount;

    private readonly record struct LevelsEntry(byte[] Defs, int Start, int End, int Offset, int Length, int Values);

    private sealed record RowGroupMeta(ChunkMeta[] Chunks, long Rows);

    /// <param name="stream">Where the file goes (positioned at its start).</param>
    /// <param name="columns">The column list, in schema order.</param>
    /// <param name="codec">Page compression.</param>
    /// <param name="pageBytes">Target uncompressed size of a data page.</param>
    public ParquetFileWriter(Stream stream, IReadOnlyList<ColumnDefinition> columns, Codec codec, int pageBytes)
    {
        _stream = stream;
        _columns = columns;
        _paths = new string[columns.Count][];
        for (int i = 0; i < _paths.Length; i++)
        {
            _paths[i] = SchemaWriter.PathOf(columns[i]);
        }
        _skipTrials = new int[columns.Count];
        _buffers = WriterBuffers.Take();
        _compressor = _buffers.Compressor(codec);
        _header = _buffers.Header;
        _levels = _buffers.Levels;
        _levels.Clear();
        Page = _buffers.Page;
        Page.Clear();
        _thrift = new ThriftCompactWriter(_header);
        PageBytes = pageBytes;
        Write(Magic);
    }

    /// <summary>Target uncompressed bytes per data page.</summary>
    public int PageBytes { get; }

    /// <summary>The payload of the next page (levels and values, uncompressed); <see cref="WriteDataPage"/> sends it.</summary>
    public ByteSink Page { get; }

    /// <summary>Rows in the row groups written so far.</summary>
    public long Rows => _rows;

    /// <summary>Starts a row group.</summary>
    public void BeginRowGroup()
    {
        _chunks = new ChunkMeta[_columns.Count];
        _column = -1;
        _levels.Clear();
        Array.Clear(_levelsEntries, 0, _levelsCount); // drops the references to the level arrays
        _levelsCount = 0;
    }

    /// <summary>
    /// Appends to <see cref="Page"/> the encoded levels of rows [<paramref name="start"/>, <paramref name="end"/>) of
    /// <paramref name="defs"/> when this row group already encoded them (another column sharing the array);
    /// <paramref name="values"/> is their count of present rows.
    /// </summary>
    public bool TryCopyLevels(byte[] defs, int start, int end, out int values)
    {
        for (int k = 0; k < _levelsCount; k++)
        {
            LevelsEntry e = _levelsEntries[k];
            if (ReferenceEquals(e.Defs, defs) && e.Start == start && e.End == end)
            {
                Page.Write(_levels.Written.Slice(e.Offset, e.Length));
                values = e.Values;
                return true;
            }
        }
        values = 0;
        return false;
    }

    /// <summary>Keeps the encoded levels of a page for <see cref="TryCopyLevels"/> (until the row group ends).</summary>
    public void RememberLevels(byte[] defs, int start, int end, ReadOnlySpan<byte> encoded, int values)
    {
        if (_levelsCount == _levelsEntries.Length)
        {
            Array.Resize(ref _levelsEntries, _levelsCount * 2);
        }
        _levelsEntries[_levelsCount++] = new LevelsEntry(defs, start, end, _levels.Length, encoded.Length, values);
        _levels.Write(encoded);
    }

    /// <summary>Starts the next column's chunk.</summary>
    public void BeginColumn()
    {
        _column++;
        _chunkStart = _position;
        _dictionaryOffset = _dataOffset = -1;
        _uncompressed = _compressed = 0;
        _compressChunk = _compressor.Codec != Codec.Uncompressed && _skipTrials[_column] == 0;
        if (_skipTrials[_column] > 0)
        {
            _skipTrials[_column]--;
        }
        Page.Clear();
    }

    /// <summary>Writes the dictionary page from <see cref="Page"/> (PLAIN values) with <paramref name="count"/> entries.</summary>
    public void WriteDictionaryPage(int count)
    {
        _dictionaryOffset = _position;
        WritePage(PageType.DictionaryPage, count, ValueEncoding.Plain);
    }

    /// <summary>Writes <see cref="Page"/> as a data page holding <paramref name="levels"/> level entries.</summary>
    public void WriteDataPage(int levels, ValueEncoding encoding)
    {
        if (_dataOffset < 0)
        {
            _dataOffset = _position;
        }
        WritePage(PageType.DataPage, levels, encoding);
    }

    /// <summary>Ends the current chunk.</summary>
    public void EndColumn(long levels, ValueEncoding encoding, ColumnStatistics statistics) =>
        _chunks![_column] = new ChunkMeta(_chunkStart, _dictionaryOffset, _dataOffset, levels, _uncompressed, _compressed, encoding, statistics,
            _compressChunk ? _compressor.Codec : Codec.Uncompressed);

    /// <summary>Ends the row group of <paramref name="rows"/> rows.</summary>
    public void EndRowGroup(long rows)
    {
        if (_column != _columns.Count - 1)
        {
            throw new InvalidOperationException($"row group ended after {_column + 1} of {_columns.Count} columns.");
        }
        _rowGroups.Add(new RowGroupMeta(_chunks!, rows));
        _rows += rows;
        _chunks = null;
    }

    private void WritePage(PageType type, int values, ValueEncoding encoding)
    {
        // The chunk's first page is its trial (none when the column is skipping trials or the codec is none).
        bool trial = _compressChunk && _uncompressed == 0;
        if (trial && Page.Length > SampleBytes)
        {
            ReadOnlySpan<byte> sample = Page.Written[^SampleBytes..];
            _compressChunk = Pays(_compressor.Compress(sample).Length, sample.Length);
        }
        ReadOnlySpan<byte> body = _compressChunk ? _compressor.Compress(Page.Written) : Page.Written;
        if (trial && _compressChunk && !Pays(body.Length, Page.Length))
        {
            // A small first page (its own trial) or a misleading sample: no page of the chunk is written yet, so
            // it is still stored uncompressed.
            _compressChunk = false;
            body = Page.Written;
        }
        if (trial && !_compressChunk)
        {
            _skipTrials[_column] = RetryAfter; // failed its trial: the column's next chunks skip the attempt
        }
        _header.Clear();
        _thrift.Reset();
        _thrift.I32Field(1, (int)type);
        _thrift.I32Field(2, Page.Length);
        _thrift.I32Field(3, body.Length);
        if (type == PageType.DataPage)
        {
            _thrift.BeginStructField(5);
            _thrift.I32Field(1, values);
            _thrift.I32Field(2, (int)encoding);
            _thrift.I32Field(3, (int)ValueEncoding.Rle);
            _thrift.I32Field(4, (int)ValueEncoding.Rle);
            _thrift.EndStruct();
        }
        else
        {
            _thrift.BeginStructField(7);
            _thrift.I32Field(1, values);
            _thrift.I32Field(2, (int)ValueEncoding.Plain);
            _thrift.EndStruct();
        }
        _thrift.EndTopLevel();
        _uncompressed += _header.Length + Page.Length;
        _compressed += _header.Length + body.Length;
        Write(_header.Written);
        Write(body);
        Page.Clear();
    }

    // Compression pays when it saves at least 1/8 of the bytes.
    private static bool Pays(int compressed, int uncompressed) => compressed < uncompressed - (uncompressed >> 3);

    private void Write(ReadOnlySpan<byte> bytes)
    {
        _stream.Write(bytes);
        _position += bytes.Length;
    }

    /// <summary>Writes the footer (file metadata, its length, the magic). The stream is left open.</summary>
    public void Complete()
    {
        var sink = new ByteSink(4096 + _rowGroups.Count * _columns.Count * 128);
        var w = new ThriftCompactWriter(sink);
        w.I32Field(1, 1);
        SchemaWriter.Write(w, _columns);
        w.I64Field(3, _rows);
        w.ListField(4, ThriftCompactWriter.Struct, _rowGroups.Count);
        for (int g = 0; g < _rowGroups.Count; g++)
        {
            WriteRowGroup(w, _rowGroups[g], (short)g);
        }
        w.StringField(6, CreatedBy);
        w.EndTopLevel();
        int length = sink.Length;
        sink.WriteInt32LittleEndian(length);
        sink.Write(Magic);
        Write(sink.Written);
    }

    private void WriteRowGroup(ThriftCompactWriter w, RowGroupMeta group, short ordinal)
    {
        w.BeginStructValue();
        w.ListField(1, ThriftCompactWriter.Struct, group.Chunks.Length);
        long uncompressed = 0, compressed = 0;
        for (int c = 0; c < group.Chunks.Length; c++)
        {
            ChunkMeta m = group.Chunks[c];
            uncompressed += m.Uncompressed;
            compressed += m.Compressed;
            w.BeginStructValue();
            w.I64Field(2, m.Start);
            w.BeginStructField(3);
            w.I32Field(1, (int)SchemaWriter.PhysicalOf(_columns[c].Type));
            bool dictionary = m.DictionaryOffset >= 0;
            w.ListField(2, ThriftCompactWriter.I32, m.Encoding != ValueEncoding.Plain ? 3 : 2);
            w.I32Value((int)ValueEncoding.Plain);
            w.I32Value((int)ValueEncoding.Rle);
            if (m.Encoding != ValueEncoding.Plain)
            {
                w.I32Value((int)m.Encoding);
            }
            else if (dictionary)
            {
                throw new InvalidOperationException("a dictionary page with PLAIN data pages.");
            }
            w.ListField(3, ThriftCompactWriter.Binary, _paths[c].Length);
            foreach (string part in _paths[c])
            {
                w.StringValue(part);
            }
            w.I32Field(4, (int)m.Codec);
            w.I64Field(5, m.Values);
            w.I64Field(6, m.Uncompressed);
            w.I64Field(7, m.Compressed);
            w.I64Field(9, m.DataOffset);
            if (dictionary)
            {
                w.I64Field(11, m.DictionaryOffset);
            }
            WriteStatistics(w, m.Statistics);
            w.EndStruct();
            w.EndStruct();
        }
        w.I64Field(2, uncompressed);
        w.I64Field(3, group.Rows);
        w.I64Field(5, group.Chunks.Length > 0 ? group.Chunks[0].Start : 4);
        w.I64Field(6, compressed);
        w.I16Field(7, ordinal);
        w.EndStruct();
    }

    private static void WriteStatistics(ThriftCompactWriter w, ColumnStatistics s)
    {
        w.BeginStructField(12);
        if (s.Legacy && s.Max is not null && s.Min is not null)
        {
            w.BinaryField(1, s.Max);
            w.BinaryField(2, s.Min);
        }
        w.I64Field(3, s.NullCount);
        if (s.Max is not null && s.Min is not null)
        {
            w.BinaryField(5, s.Max);
            w.BinaryField(6, s.Min);
            w.BoolField(7, true);
            w.BoolField(8, true);
        }
        w.EndStruct();
    }

    /// <summary>Hands the page buffers and compressor back for the thread's next writer (the stream belongs to the caller).</summary>
    public void Dispose()
    {
        if (!_disposed)
        {
            _disposed = true;
            WriterBuffers.Return(_buffers);
        }
    }

    /// <summary>Debug text of the column being written (error messages).</summary>
    public override string ToString() => _column >= 0 && _column < _columns.Count
        ? new StringBuilder("column ").Append(_columns[_column].Name).ToString()
        : "between columns";
}

/// <summary>
/// A writer's reusable working memory: the page buffer (grown to a page of the widest column, ~1 MB), the page
/// header buffer and the compressors. One set is kept per thread and handed from one file writer to the next,
/// so a part file costs no large allocation (a 1 MB buffer per file went to the large object heap and brought
/// full collections with it).
/// </summary>
internal sealed class WriterBuffers
{
    [ThreadStatic]
    private static WriterBuffers? t_spare;

    private PageCompressor? _snappy, _zstd, _none;

    /// <summary>Page payloads.</summary>
    public ByteSink Page { get; } = new(1 << 20);

    /// <summary>Encoded definition levels, kept for the columns that share them (one row group at a time).</summary>
    public ByteSink Levels { get; } = new(1 << 16);

    /// <summary>Page headers.</summary>
    public ByteSink Header { get; } = new(256);

    /// <summary>The thread's spare set, or a new one.</summary>
    public static WriterBuffers Take()
    {
        WriterBuffers? spare = t_spare;
        t_spare = null;
        return spare ?? new WriterBuffers();
    }

    /// <summary>Keeps <paramref name="buffers"/> as this thread's spare (one is kept; others are left to the GC).</summary>
    public static void Return(WriterBuffers buffers) => t_spare ??= buffers;

    /// <summary>The compressor for <paramref name="codec"/>, created on first use.</summary>
    public PageCompressor Compressor(Codec codec) => codec switch
    {
        Codec.Snappy => _snappy ??= new PageCompressor(codec),
        Codec.Zstd => _zstd ??= new PageCompressor(codec),
        _ => _none ??= new PageCompressor(codec),
    };
}
