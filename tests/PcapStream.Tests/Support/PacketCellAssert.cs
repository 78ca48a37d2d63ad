using DuckDB.NET.Data;
using PcapStream.Output;

namespace PcapStream.Tests.Support;

/// <summary>One cell of a <c>packets</c> Parquet row, read through DuckDB, against what <see cref="PacketColumns"/>
/// says for the same packet (value and null rule).</summary>
internal static class PacketCellAssert
{
    public static void Equal(DuckDBDataReader reader, int c, scoped in PacketRow row, string where)
    {
        ColumnDefinition column = PacketColumns.Columns[c];
        bool isNull = reader.IsDBNull(c);
        switch (column.Type)
        {
            case ColumnType.Timestamp:
            case ColumnType.Int64:
            case ColumnType.Int32:
                bool has = PacketColumns.TryGetInt64(c, in row, out long expected);
                Assert.True(has != isNull, $"{where}: null is {isNull}, expected {(has ? expected : "null")}");
                if (has)
                {
                    long actual = column.Type == ColumnType.Timestamp
                        ? (reader.GetDateTime(c) - DateTime.UnixEpoch).Ticks / 10
                        : Convert.ToInt64(reader.GetValue(c), System.Globalization.CultureInfo.InvariantCulture);
                    Assert.True(expected == actual, $"{where}: {actual}, expected {expected}");
                }
                break;
            case ColumnType.Boolean:
                bool hasBool = PacketColumns.TryGetBoolean(c, in row, out bool flag);
                Assert.True(hasBool != isNull, $"{where}: null is {isNull}, expected {(hasBool ? flag : "null")}");
                if (hasBool)
                {
                    Assert.True(flag == reader.GetBoolean(c), $"{where}: {reader.GetBoolean(c)}, expected {flag}");
                }
                break;
            default:
                string? text = PacketColumns.GetString(c, in row);
                if (column.Name == "communityId" && text is not null && !isNull)
                {
                    // Later IP fragments carry their flow's Community ID (tied through the IP id), which has ports
                    // the fragment itself lacks: only a fragment may differ from its own per-packet value.
                    if (row.Packet.IsFragment)
                    {
                        break;
                    }
                }
                Assert.True((text is null) == isNull, $"{where}: null is {isNull}, expected {text ?? "null"}");
                if (text is not null)
                {
                    Assert.Equal(text, reader.GetString(c));
                }
                break;
        }
    }
}
