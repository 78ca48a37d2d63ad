using System.Buffers.Binary;
using System.Reflection;
using Parquet;
using Parquet.Meta;

namespace PcapStream.Sinks;

/// <summary>
/// Works around Parquet.Net 6.1 writing the min/max statistics of TIMESTAMP(MICROS) columns in MILLIseconds
/// (aloneguid/parquet-dotnet#769, open): DuckDB, Spark and Trino prune row groups by those statistics, so
/// <c>WHERE timestamp &gt; '2024-01-01'</c> silently returned nothing. Before the footer is written, the
/// statistics of the file's timestamp columns are rewritten as microsecond bounds (widened by 999 µs each way,
/// since the library truncated the exact values, and marked inexact — the Parquet spec allows bounds). The
/// footer is private to Parquet.Net, hence reflection; a package upgrade that renames it fails the sink tests
/// loudly (a wrong answer would be silent).
/// </summary>
internal static class TimestampStatistics
{
    private static readonly FieldInfo? FooterField = typeof(ParquetWriter).GetField("_footer", BindingFlags.NonPublic | BindingFlags.Instance);
    private static readonly FieldInfo? MetaField = FooterField?.FieldType.GetField("_fileMeta", BindingFlags.NonPublic | BindingFlags.Instance);

    /// <summary>Rewrites the statistics of the named top-level columns in every row group written so far.</summary>
    /// <exception cref="InvalidOperationException">This Parquet.Net version keeps its footer elsewhere.</exception>
    public static void Fix(ParquetWriter writer, IReadOnlySet<string> timestampColumns)
    {
        object footer = FooterField?.GetValue(writer)
            ?? throw new InvalidOperationException("Parquet.Net's footer is not where PcapStream expects it: re-check aloneguid/parquet-dotnet#769 (TIMESTAMP statistics) before upgrading.");
        var meta = (FileMetaData)(MetaField?.GetValue(footer)
            ?? throw new InvalidOperationException("Parquet.Net's file metadata is not where PcapStream expects it."));
        foreach (RowGroup group in meta.RowGroups ?? [])
        {
            foreach (ColumnChunk chunk in group.Columns ?? [])
            {
                ColumnMetaData? column = chunk.MetaData;
                if (column?.Statistics is not { } stats || column.PathInSchema is not [string name] || !timestampColumns.Contains(name))
                {
                    continue;
                }
                stats.MinValue = Widen(stats.MinValue, -999);
                stats.MaxValue = Widen(stats.MaxValue, +999);
                stats.Min = Widen(stats.Min, -999);
                stats.Max = Widen(stats.Max, +999);
                if (stats.MinValue is not null)
                {
                    stats.IsMinValueExact = false;
                }
                if (stats.MaxValue is not null)
                {
                    stats.IsMaxValueExact = false;
                }
            }
        }
    }

    // Milliseconds (PLAIN int64, little endian) to a microsecond bound.
    private static byte[]? Widen(byte[]? millis, long offset)
    {
        if (millis is not { Length: 8 })
        {
            return millis;
        }
        long ms = BinaryPrimitives.ReadInt64LittleEndian(millis);
        var micros = new byte[8];
        BinaryPrimitives.WriteInt64LittleEndian(micros, checked(ms * 1000 + offset));
        return micros;
    }
}
