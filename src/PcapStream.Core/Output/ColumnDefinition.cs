namespace PcapStream.Output;

/// <summary>Storage type of a record column (what a Parquet sink or a SQL view declares).</summary>
public enum ColumnType : byte
{
    /// <summary>UTC instant, stored as microseconds since the Unix epoch (Parquet TIMESTAMP(MICROS, UTC)).</summary>
    Timestamp,
    /// <summary>64-bit signed integer.</summary>
    Int64,
    /// <summary>32-bit signed integer (ports, lengths, small codes).</summary>
    Int32,
    /// <summary>true / false.</summary>
    Boolean,
    /// <summary>64-bit float (durations in seconds).</summary>
    Double,
    /// <summary>UTF-8 text.</summary>
    String,
    /// <summary>List of UTF-8 texts (the flows' <c>files</c>); text forms join them with ','.</summary>
    StringList,
}

/// <summary>One column of a record schema: name (camelCase, DESIGN.md "Records"), type, nullability, meaning.</summary>
/// <param name="Name">Schema name, e.g. <c>srcPort</c>.</param>
/// <param name="Type">Storage type.</param>
/// <param name="Nullable">True when some records have no value (never 0 for "absent").</param>
/// <param name="Description">One line for documentation and --help.</param>
public sealed record ColumnDefinition(string Name, ColumnType Type, bool Nullable, string Description);

/// <summary>Outcome of formatting one field as text.</summary>
public enum FieldStatus : byte
{
    /// <summary>The value was written.</summary>
    Value,
    /// <summary>The record has no value for the column (written as nothing / omitted).</summary>
    Null,
    /// <summary>The destination span is too small; retry with a larger one.</summary>
    DestinationTooSmall,
}

/// <summary>
/// A record schema usable by the text writer (<see cref="RecordWriter{TRow, TColumns}"/>) and the sinks: the ordered
/// columns and a non-allocating UTF-8 text form of each field of a row. Implemented by
/// <see cref="PacketColumns"/> and <see cref="FlowColumns"/>.
/// </summary>
/// <typeparam name="TRow">The row type; may be a ref struct (packet rows point into the reader's buffer).</typeparam>
public interface IColumnSet<TRow>
    where TRow : allows ref struct
{
    /// <summary>The columns in schema order.</summary>
    static abstract IReadOnlyList<ColumnDefinition> Columns { get; }

    /// <summary>
    /// Writes the text form of column <paramref name="ordinal"/> of <paramref name="row"/> as UTF-8, unescaped
    /// (the writer escapes <see cref="ColumnType.String"/> values for its format). Timestamps are ISO 8601 UTC
    /// (<c>2024-01-02T03:04:05.123456Z</c>), booleans <c>true</c>/<c>false</c>, numbers invariant decimal.
    /// </summary>
    static abstract FieldStatus FormatUtf8(int ordinal, scoped in TRow row, Span<byte> destination, out int written);
}
