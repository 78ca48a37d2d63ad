namespace PcapStream.Sinks.Parquet;

/// <summary>
/// Min/max/null count of one column chunk, exact, as PLAIN-encoded bytes (little-endian numbers, raw UTF-8 for
/// strings) — what DuckDB, Spark and Trino prune row groups by. Numbers also fill the deprecated min/max fields
/// (their signed order is the numbers' order); strings only the new ones (the old ones were compared as signed bytes).
/// </summary>
internal readonly record struct ColumnStatistics(long NullCount, byte[]? Min, byte[]? Max, bool Legacy);
