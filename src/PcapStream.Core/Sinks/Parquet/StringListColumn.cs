using System.Text;
using PcapStream.Output;

namespace PcapStream.Sinks.Parquet;

/// <summary>
/// A required LIST&lt;STRING&gt; column (the flows' <c>files</c>), standard 3-level structure. Per element: a
/// repetition level (0 starts a row, 1 continues it) and a definition level (1 = an element; 0 = an empty list,
/// which has no element). Elements are PLAIN: the column is small (one short list per flow). Pages end at row
/// boundaries.
/// </summary>
internal sealed class StringListColumn(ColumnDefinition definition, int capacity) : ColumnBuffer(definition)
{
    private string[] _elements = new string[capacity];
    private byte[] _reps = new byte[capacity], _defs = new byte[capacity];
    private int _levels, _values, _rows;
    private string? _last;
    private byte[] _lastUtf8 = new byte[256];
    private int _lastLength;

    public override int Rows => _rows;

    public override void Reset()
    {
        Array.Clear(_elements, 0, _values);
        _last = null;
        _levels = _values = _rows = 0;
    }

    /// <summary>Appends one row's list (its elements in order; an empty list is allowed).</summary>
    public void Add(IReadOnlyList<string> items) =>
        Add(items is string[] array ? array : [.. items]); // the records' lists are arrays: no copy, no interface call per element

    /// <summary>Appends one row's list given as an array.</summary>
    public void Add(ReadOnlySpan<string> items)
    {
        Ensure(Math.Max(1, items.Length));
        if (items.Length == 0)
        {
            _reps[_levels] = 0;
            _defs[_levels++] = 0;
        }
        for (int k = 0; k < items.Length; k++)
        {
            _reps[_levels] = k == 0 ? (byte)0 : (byte)1;
            _defs[_levels++] = 1;
            _elements[_values++] = items[k];
        }
        _rows++;
    }

    private void Ensure(int more)
    {
        if (_levels + more > _reps.Length)
        {
            int size = Math.Max(_reps.Length * 2, _levels + more);
            Array.Resize(ref _reps, size);
            Array.Resize(ref _defs, size);
        }
        if (_values + more > _elements.Length)
        {
            Array.Resize(ref _elements, Math.Max(_elements.Length * 2, _values + more));
        }
    }

    public override void WriteChunk(ParquetFileWriter writer)
    {
        writer.BeginColumn();
        int perPage = RowsPerPage(writer, 64 * 8);
        int start = 0, v = 0;
        do
        {
            int end = Math.Min(_levels, start + perPage);
            while (end < _levels && _reps[end] != 0)
            {
                end++; // a row's elements stay on one page
            }
            ByteSink page = writer.Page;
            WriteLevels(_reps.AsSpan(start, end - start), 1, page);
            int values = WritePageLevels(_defs, start, end, page);
            for (int k = v; k < v + values; k++)
            {
                // Neighbouring rows mostly list the same file (one shared name instance per file): its UTF-8 is
                // encoded once per run of rows, not per row.
                string s = _elements[k];
                if (!ReferenceEquals(s, _last))
                {
                    int count = Encoding.UTF8.GetByteCount(s);
                    if (_lastUtf8.Length < count)
                    {
                        _lastUtf8 = new byte[Math.Max(count, _lastUtf8.Length * 2)];
                    }
                    _lastLength = Encoding.UTF8.GetBytes(s, _lastUtf8);
                    _last = s;
                }
                page.WriteInt32LittleEndian(_lastLength);
                page.Write(_lastUtf8.AsSpan(0, _lastLength));
            }
            v += values;
            writer.WriteDataPage(end - start, ValueEncoding.Plain);
            start = end;
        }
        while (start < _levels);
        // No min/max: nobody prunes by a list's elements, and the null count (no null lists) is what readers use.
        writer.EndColumn(_levels, ValueEncoding.Plain, new ColumnStatistics(0, null, null, Legacy: false));
    }
}
