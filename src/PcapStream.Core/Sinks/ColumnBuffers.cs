using Parquet;
using Parquet.Schema;
using PcapStream.Output;

namespace PcapStream.Sinks;

/// <summary>
/// Parquet schema and typed column buffers built from THE column definitions (<see cref="PacketColumns"/>,
/// <see cref="FlowColumns"/>), so the datasets have one list of names, types and null rules. A buffer is a plain
/// typed array per column (<c>long[]</c> for a non-null Int64, <c>long?[]</c> for a nullable one — Parquet.Net
/// turns the nulls into definition levels); strings are <see cref="ReadOnlyMemory{T}"/> over shared string
/// instances, so filling a row allocates nothing.
/// </summary>
internal static class ParquetColumns
{
    /// <summary>The Parquet field of a column definition. Timestamps are TIMESTAMP(MICROS), not adjusted to UTC in
    /// the Parquet sense, so DuckDB, Spark, Trino and Drill read a plain TIMESTAMP; the values ARE UTC.</summary>
    public static Field FieldOf(ColumnDefinition c) => c.Type switch
    {
        ColumnType.Timestamp => new DateTimeDataField(c.Name, DateTimeFormat.Timestamp, isAdjustedToUTC: false, DateTimeTimeUnit.Micros, isNullable: c.Nullable),
        ColumnType.Int64 => c.Nullable ? new DataField<long?>(c.Name) : new DataField<long>(c.Name),
        ColumnType.Int32 => c.Nullable ? new DataField<int?>(c.Name) : new DataField<int>(c.Name),
        ColumnType.Boolean => c.Nullable ? new DataField<bool?>(c.Name) : new DataField<bool>(c.Name),
        ColumnType.Double => c.Nullable ? new DataField<double?>(c.Name) : new DataField<double>(c.Name),
        ColumnType.String => new DataField<string>(c.Name, c.Nullable),
        ColumnType.StringList => new ListField(c.Name, new DataField<string>("element", nullable: false)),
        _ => throw new ArgumentOutOfRangeException(nameof(c), c.Type, "unknown column type"),
    };

    /// <summary>The schema of a column list, in its order.</summary>
    public static ParquetSchema SchemaOf(IReadOnlyList<ColumnDefinition> columns)
    {
        var fields = new Field[columns.Count];
        for (int i = 0; i < fields.Length; i++)
        {
            fields[i] = FieldOf(columns[i]);
        }
        return new ParquetSchema(fields);
    }

    /// <summary>The leaf data field a column's values are written to (the list's element for StringList).</summary>
    public static DataField LeafOf(Field field) => field is ListField list ? (DataField)list.Item : (DataField)field;
}

/// <summary>One column's values for a row group: a typed array sized to the row-group capacity.</summary>
internal abstract class ColumnBuffer
{
    /// <summary>Writes the first <paramref name="rows"/> values as the next column of the row group.</summary>
    public abstract Task WriteAsync(ParquetRowGroupWriter rowGroup, DataField field, int rows, CancellationToken cancel);

    /// <summary>The buffer for a column definition: nullable columns get nullable arrays.</summary>
    public static ColumnBuffer Create(ColumnDefinition c, int capacity) => c.Type switch
    {
        ColumnType.Timestamp => c.Nullable ? new Nullable<DateTime>(capacity) : new Values<DateTime>(capacity),
        ColumnType.Int64 => c.Nullable ? new Nullable<long>(capacity) : new Values<long>(capacity),
        ColumnType.Int32 => c.Nullable ? new Nullable<int>(capacity) : new Values<int>(capacity),
        ColumnType.Boolean => c.Nullable ? new Nullable<bool>(capacity) : new Values<bool>(capacity),
        ColumnType.Double => c.Nullable ? new Nullable<double>(capacity) : new Values<double>(capacity),
        // Strings are written as ReadOnlyMemory<char>? either way: Parquet.Net's own string path converts to it.
        ColumnType.String => new Nullable<ReadOnlyMemory<char>>(capacity),
        ColumnType.StringList => new StringList(capacity),
        _ => throw new NotSupportedException($"column '{c.Name}' of type {c.Type} has no row buffer."),
    };

    /// <summary>Values of a non-null column.</summary>
    public sealed class Values<T>(int capacity) : ColumnBuffer
        where T : struct
    {
        public readonly T[] Data = new T[capacity];

        public override Task WriteAsync(ParquetRowGroupWriter rowGroup, DataField field, int rows, CancellationToken cancel) =>
            rowGroup.WriteAsync<T>(field, Data.AsMemory(0, rows), null, null, cancel);
    }

    /// <summary>Values of a nullable column (null = definition level 0).</summary>
    public sealed class Nullable<T>(int capacity) : ColumnBuffer
        where T : struct
    {
        public readonly T?[] Data = new T?[capacity];

        public override Task WriteAsync(ParquetRowGroupWriter rowGroup, DataField field, int rows, CancellationToken cancel) =>
            rowGroup.WriteAsync<T>(field, Data.AsMemory(0, rows), null, null, cancel);
    }
}

/// <summary>A list-of-strings column: every element of every row, repetition level 0 starting a row, 1 continuing it.</summary>
internal sealed class StringList(int capacity) : ColumnBuffer
{
    private ReadOnlyMemory<char>?[] _values = new ReadOnlyMemory<char>?[capacity];
    private int[] _levels = new int[capacity];
    private int _count;

    /// <summary>Starts over (a new row group).</summary>
    public void Clear() => _count = 0;

    /// <summary>Appends the next row's elements (at least one).</summary>
    public void AddRow(IReadOnlyList<string> items)
    {
        for (int k = 0; k < items.Count; k++)
        {
            if (_count == _values.Length)
            {
                Array.Resize(ref _values, _count * 2);
                Array.Resize(ref _levels, _count * 2);
            }
            _values[_count] = items[k].AsMemory();
            _levels[_count++] = k == 0 ? 0 : 1;
        }
    }

    public override Task WriteAsync(ParquetRowGroupWriter rowGroup, DataField field, int rows, CancellationToken cancel) =>
        rowGroup.WriteAsync<ReadOnlyMemory<char>>(field, _values.AsMemory(0, _count), _levels.AsMemory(0, _count), null, cancel);
}

/// <summary>Column buffers of one row group laid out by a column list; typed accessors check the definition.</summary>
internal sealed class RowGroupColumns
{
    private readonly IReadOnlyList<ColumnDefinition> _columns;
    private readonly ColumnBuffer[] _buffers;
    private readonly DataField[] _fields;

    public RowGroupColumns(IReadOnlyList<ColumnDefinition> columns, ParquetSchema schema, int capacity)
    {
        _columns = columns;
        _buffers = new ColumnBuffer[columns.Count];
        _fields = new DataField[columns.Count];
        for (int i = 0; i < _buffers.Length; i++)
        {
            _buffers[i] = ColumnBuffer.Create(columns[i], capacity);
            _fields[i] = ParquetColumns.LeafOf(schema.Fields[i]);
        }
    }

    /// <summary>The array of a non-null column. Throws when the definition says otherwise (the lists drifted apart).</summary>
    public T[] Values<T>(int ordinal)
        where T : struct =>
        _buffers[ordinal] is ColumnBuffer.Values<T> v ? v.Data : throw Mismatch(ordinal, typeof(T), nullable: false);

    /// <summary>The array of a nullable (or string) column. Throws when the definition says otherwise.</summary>
    public T?[] Nullable<T>(int ordinal)
        where T : struct =>
        _buffers[ordinal] is ColumnBuffer.Nullable<T> v ? v.Data : throw Mismatch(ordinal, typeof(T), nullable: true);

    /// <summary>The buffer of a list column.</summary>
    public StringList List(int ordinal) =>
        _buffers[ordinal] as StringList ?? throw Mismatch(ordinal, typeof(string[]), nullable: false);

    /// <summary>Writes every column's first <paramref name="rows"/> values as one row group, in schema order.</summary>
    public async Task WriteAsync(ParquetRowGroupWriter rowGroup, int rows, CancellationToken cancel)
    {
        for (int i = 0; i < _buffers.Length; i++)
        {
            await _buffers[i].WriteAsync(rowGroup, _fields[i], rows, cancel);
        }
    }

    private InvalidOperationException Mismatch(int ordinal, Type type, bool nullable) =>
        new($"column '{_columns[ordinal].Name}' is {(_columns[ordinal].Nullable ? "nullable " : "")}{_columns[ordinal].Type}, " +
            $"but the sink fills it as {(nullable ? "nullable " : "")}{type.Name}: update the sink with the column list.");
}
