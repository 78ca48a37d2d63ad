using PcapStream.Output;
using PcapStream.Sinks.Parquet;

namespace PcapStream.Sinks;

/// <summary>
/// The column buffers of one row group, laid out by a column list (<see cref="PacketColumns"/>,
/// <see cref="FlowColumns"/>: names, types and null rules come from there). Typed accessors check the definition,
/// so a drift between the list and what a sink fills fails at construction, not in the file.
/// </summary>
internal sealed class RowGroupColumns
{
    private readonly IReadOnlyList<ColumnDefinition> _columns;
    private readonly ColumnBuffer[] _buffers;

    /// <param name="columns">The column list.</param>
    /// <param name="capacity">Rows per row group.</param>
    /// <param name="plainOnly">Ordinals of STRING columns whose values are nearly all distinct (see <see cref="StringColumn.PlainOnly"/>).</param>
    public RowGroupColumns(IReadOnlyList<ColumnDefinition> columns, int capacity, ReadOnlySpan<int> plainOnly = default)
    {
        _columns = columns;
        _buffers = new ColumnBuffer[columns.Count];
        for (int i = 0; i < _buffers.Length; i++)
        {
            ColumnDefinition c = columns[i];
            _buffers[i] = c.Type switch
            {
                ColumnType.Timestamp or ColumnType.Int64 => new NumericColumn<long>(c, capacity),
                ColumnType.Int32 => new NumericColumn<int>(c, capacity),
                ColumnType.Boolean => new NumericColumn<byte>(c, capacity),
                ColumnType.Double => new NumericColumn<double>(c, capacity),
                ColumnType.String => new StringColumn(c, capacity) { PlainOnly = plainOnly.Contains(i) },
                ColumnType.StringList => new StringListColumn(c, capacity),
                _ => throw new NotSupportedException($"column '{c.Name}' of type {c.Type} has no row buffer."),
            };
        }
    }

    /// <summary>The column list.</summary>
    public IReadOnlyList<ColumnDefinition> Columns => _columns;

    /// <summary>An INT64 or TIMESTAMP (µs) column.</summary>
    public NumericColumn<long> Int64(int ordinal) => Get<NumericColumn<long>>(ordinal);

    /// <summary>An INT32 column.</summary>
    public NumericColumn<int> Int32(int ordinal) => Get<NumericColumn<int>>(ordinal);

    /// <summary>A BOOLEAN column (values 0/1).</summary>
    public NumericColumn<byte> Boolean(int ordinal) => Get<NumericColumn<byte>>(ordinal);

    /// <summary>A DOUBLE column.</summary>
    public NumericColumn<double> Double(int ordinal) => Get<NumericColumn<double>>(ordinal);

    /// <summary>A STRING column.</summary>
    public StringColumn String(int ordinal) => Get<StringColumn>(ordinal);

    /// <summary>A LIST&lt;STRING&gt; column.</summary>
    public StringListColumn List(int ordinal) => Get<StringListColumn>(ordinal);

    private T Get<T>(int ordinal)
        where T : ColumnBuffer =>
        _buffers[ordinal] as T ?? throw new InvalidOperationException(
            $"column '{_columns[ordinal].Name}' is {(_columns[ordinal].Nullable ? "nullable " : "")}{_columns[ordinal].Type}, " +
            $"but the sink fills it as {typeof(T).Name}: update the sink with the column list.");

    /// <summary>Empties every column (an abandoned row group, or after writing).</summary>
    public void Reset()
    {
        foreach (ColumnBuffer b in _buffers)
        {
            b.Reset();
        }
    }

    /// <summary>Writes the buffered rows as one row group and empties the buffers.</summary>
    /// <exception cref="InvalidOperationException">A column was filled with a different number of rows.</exception>
    public void Write(ParquetFileWriter writer)
    {
        int rows = _buffers[0].Rows;
        foreach (ColumnBuffer b in _buffers)
        {
            if (b.Rows != rows)
            {
                throw new InvalidOperationException($"column '{b.Definition.Name}' holds {b.Rows} rows, '{_buffers[0].Definition.Name}' {rows}: the sink skipped a column.");
            }
        }
        writer.BeginRowGroup();
        foreach (ColumnBuffer b in _buffers)
        {
            b.WriteChunk(writer);
        }
        writer.EndRowGroup(rows);
        Reset();
    }
}
