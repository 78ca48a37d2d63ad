using System.Globalization;
using DuckDB.NET.Data;
using Parquet;
using Parquet.Schema;
using PcapStream.Output;
using PcapStream.Sinks.Parquet;
using PcapStream.Tests.Streaming;

namespace PcapStream.Tests.Sinks;

/// <summary>
/// The Parquet writer on its own: every column type and null rule, written with tiny pages and several row
/// groups, read back by two independent readers (DuckDB and Parquet.Net) value for value — including empty
/// strings vs null, a string dictionary that overflows to PLAIN, long runs and alternations in the levels,
/// empty and multi-element lists — and the footer statistics equal the true min/max of each row group.
/// </summary>
public class ParquetWriterTests
{
    private static readonly ColumnDefinition[] Columns =
    [
        new("id", ColumnType.Int64, false, ""),
        new("text", ColumnType.String, true, ""),
        new("name", ColumnType.String, false, ""),
        new("flag", ColumnType.Boolean, true, ""),
        new("ratio", ColumnType.Double, false, ""),
        new("time", ColumnType.Timestamp, true, ""),
        new("small", ColumnType.Int32, true, ""),
        new("items", ColumnType.StringList, false, ""),
    ];

    private sealed record Row(long Id, string? Text, string Name, bool? Flag, double Ratio, long? TimeMicros, int? Small, string[] Items);

    private static List<Row> MakeRows(int count, int seed)
    {
        var rng = new Random(seed);
        string[] names = ["alpha", "beta", "", "gamma", "δέλτα"];
        var rows = new List<Row>(count);
        for (int i = 0; i < count; i++)
        {
            // Long null runs (levels as RLE runs) alternate with random stretches (bit-packed groups).
            bool stretch = i / 700 % 2 == 0;
            string? text = stretch ? (rng.Next(4) == 0 ? null : rng.Next(5) == 0 ? "" : "t" + rng.Next(100_000).ToString(CultureInfo.InvariantCulture)) : null;
            bool? flag = rng.Next(3) switch { 0 => null, 1 => true, _ => false };
            long? time = stretch || i % 3 == 0 ? 1_700_000_000_000_000L + rng.NextInt64(-5_000_000_000, 5_000_000_000) : null;
            int? small = i % 1000 < 600 ? null : rng.Next(-40_000, 40_000);
            string[] items = (i % 11) switch
            {
                0 => [],
                1 => ["only"],
                _ => [.. Enumerable.Range(0, 1 + rng.Next(3)).Select(k => "f" + (i + k).ToString(CultureInfo.InvariantCulture))],
            };
            rows.Add(new Row(i * 7L - 1000, text, names[rng.Next(names.Length)], flag, rng.NextDouble() * 1e6 - 5e5, time, small, items));
        }
        return rows;
    }

    private static void Write(string path, List<Row> rows, int rowGroupRows, int pageBytes, int dictionaryLimit, Codec codec)
    {
        var id = new NumericColumn<long>(Columns[0], rowGroupRows);
        // A negative limit: PLAIN-only columns filled without a dictionary, as the flows sink fills its ids.
        bool plainOnly = dictionaryLimit < 0;
        var text = new StringColumn(Columns[1], rowGroupRows, Math.Max(0, dictionaryLimit)) { PlainOnly = plainOnly };
        var name = new StringColumn(Columns[2], rowGroupRows, Math.Max(0, dictionaryLimit)) { PlainOnly = plainOnly };
        var flag = new NumericColumn<byte>(Columns[3], rowGroupRows);
        var ratio = new NumericColumn<double>(Columns[4], rowGroupRows);
        var time = new NumericColumn<long>(Columns[5], rowGroupRows);
        var small = new NumericColumn<int>(Columns[6], rowGroupRows);
        var items = new StringListColumn(Columns[7], 4);
        ColumnBuffer[] all = [id, text, name, flag, ratio, time, small, items];
        // Strings are keyed by reference: give equal texts distinct instances too, as the sinks may.
        using var stream = new FileStream(path, FileMode.Create);
        using var writer = new ParquetFileWriter(stream, Columns, codec, pageBytes);
        for (int start = 0; start < rows.Count; start += rowGroupRows)
        {
            int n = Math.Min(rowGroupRows, rows.Count - start);
            for (int i = start; i < start + n; i++)
            {
                Row r = rows[i];
                id.Add(r.Id);
                if (plainOnly)
                {
                    if (r.Text is null)
                    {
                        text.AddNull();
                    }
                    else
                    {
                        text.AppendDistinct(r.Text);
                    }
                    System.Text.Encoding.UTF8.GetBytes(r.Name, name.AppendDistinct(System.Text.Encoding.UTF8.GetByteCount(r.Name)));
                }
                else
                {
                    text.Add(r.Text is null ? null : new string(r.Text.AsSpan()));
                    name.Add(r.Name);
                }
                flag.Add(r.Flag.HasValue, r.Flag == true ? (byte)1 : (byte)0);
                ratio.Add(r.Ratio);
                time.Add(r.TimeMicros.HasValue, r.TimeMicros.GetValueOrDefault());
                small.Add(r.Small.HasValue, r.Small.GetValueOrDefault());
                items.Add(r.Items);
            }
            writer.BeginRowGroup();
            foreach (ColumnBuffer c in all)
            {
                c.WriteChunk(writer);
                c.Reset();
            }
            writer.EndRowGroup(n);
        }
        writer.Complete();
    }

    [Theory]
    [InlineData("snappy", 1 << 20)]
    [InlineData("zstd", 1 << 20)]
    [InlineData("none", 1 << 20)]
    [InlineData("snappy", 64)] // dictionaries overflow to PLAIN
    [InlineData("snappy", -1)] // PLAIN-only string columns (StringColumn.PlainOnly)
    public void Every_value_reads_back_exactly_through_DuckDB_and_Parquet_Net(string codecName, int dictionaryLimit)
    {
        Codec codec = codecName switch { "zstd" => Codec.Zstd, "none" => Codec.Uncompressed, _ => Codec.Snappy };
        using var dirs = new TestDirs("pq-writer");
        string path = Path.Combine(dirs.Root, "t.parquet");
        List<Row> rows = MakeRows(5000, 42);
        Write(path, rows, rowGroupRows: 1800, pageBytes: 512, dictionaryLimit, codec);

        // DuckDB.
        using var db = new DuckDBConnection("DataSource=:memory:");
        db.Open();
        using (DuckDBCommand cmd = db.CreateCommand())
        {
            cmd.CommandText = $"SELECT * FROM read_parquet('{path}') ORDER BY id";
            using DuckDBDataReader r = cmd.ExecuteReader();
            int i = 0;
            while (r.Read())
            {
                Row e = rows[i++];
                string at = $"row {i - 1}";
                Assert.Equal(e.Id, r.GetInt64(0));
                Assert.True(e.Text is null == r.IsDBNull(1), $"{at}: text null");
                if (e.Text is not null)
                {
                    Assert.Equal(e.Text, r.GetString(1));
                }
                Assert.Equal(e.Name, r.GetString(2));
                Assert.Equal(e.Flag, r.IsDBNull(3) ? null : r.GetBoolean(3));
                Assert.Equal(e.Ratio, r.GetDouble(4));
                Assert.Equal(e.TimeMicros, r.IsDBNull(5) ? null : (r.GetDateTime(5) - DateTime.UnixEpoch).Ticks / 10);
                Assert.Equal(e.Small, r.IsDBNull(6) ? null : r.GetInt32(6));
                Assert.Equal(e.Items, ((System.Collections.IEnumerable)r.GetValue(7)).Cast<string>().ToArray());
            }
            Assert.Equal(rows.Count, i);
        }
        Assert.Equal("TIMESTAMP", DatasetComparer.Text($"SELECT typeof(time) FROM read_parquet('{path}') LIMIT 1"));

        // Parquet.Net, column by column over the row groups.
        ReadWithParquetNet(path, out Dictionary<string, List<object?>> columns);
        for (int i = 0; i < rows.Count; i++)
        {
            Row e = rows[i];
            Assert.Equal(e.Id, columns["id"][i]);
            Assert.Equal(e.Text, columns["text"][i]);
            Assert.Equal(e.Name, columns["name"][i]);
            Assert.Equal(e.Flag, (bool?)columns["flag"][i]);
            Assert.Equal(e.Ratio, columns["ratio"][i]);
            Assert.Equal(e.TimeMicros, columns["time"][i] is DateTime t ? (t - DateTime.UnixEpoch).Ticks / 10 : null);
            Assert.Equal(e.Small, (int?)columns["small"][i]);
        }
        Assert.Equal(rows.Sum(r => r.Items.Length), columns["element"].Count);
        Assert.Equal(rows.SelectMany(r => r.Items), columns["element"].Cast<string>());

        // Statistics: each row group's footer min/max/null count are the true ones (DuckDB's parquet_metadata).
        foreach (string column in new[] { "id", "ratio", "time", "small", "name", "text" })
        {
            string stat = column == "time" ? "CAST(CAST(stats_min_value AS TIMESTAMP) AS VARCHAR)" : "stats_min_value";
            Assert.Equal(0, DatasetComparer.Scalar($"""
                WITH t AS (SELECT *, file_row_number // 1800 AS rg FROM read_parquet('{path}', file_row_number = true)),
                     truth AS (SELECT rg, CAST(min({column}) AS VARCHAR) AS mn, CAST(max({column}) AS VARCHAR) AS mx, count(*) - count({column}) AS nulls FROM t GROUP BY rg),
                     m AS (SELECT row_group_id AS rg, {stat} AS mn, {stat.Replace("min", "max", StringComparison.Ordinal)} AS mx, stats_null_count AS nulls
                           FROM parquet_metadata('{path}') WHERE path_in_schema = '{column}')
                SELECT count(*) FROM truth FULL JOIN m USING (rg)
                WHERE truth.mn IS DISTINCT FROM m.mn OR truth.mx IS DISTINCT FROM m.mx OR truth.nulls IS DISTINCT FROM m.nulls
                """));
        }
        // Tiny pages: each column chunk holds several pages, so page boundaries were crossed above (the PLAIN
        // doubles of a chunk are 8 x 1800 bytes; id, delta-encoded, shrinks to a few bytes per page).
        Assert.True(DatasetComparer.Scalar($"SELECT max(total_uncompressed_size) FROM parquet_metadata('{path}') WHERE path_in_schema = 'ratio'") > 4 * 512);
        // The integer columns are DELTA_BINARY_PACKED (read back exactly above by both readers).
        Assert.Equal(2, DatasetComparer.Scalar($"SELECT count(DISTINCT path_in_schema) FROM parquet_metadata('{path}') WHERE encodings LIKE '%DELTA_BINARY_PACKED%'"));
    }

    private static void ReadWithParquetNet(string path, out Dictionary<string, List<object?>> columns)
    {
        columns = [];
        ParquetReader reader = ParquetReader.CreateAsync(path).GetAwaiter().GetResult();
        using var dispose = new DisposeAsync(reader);
        foreach (DataField field in reader.Schema.DataFields)
        {
            var values = new List<object?>();
            for (int g = 0; g < reader.RowGroupCount; g++)
            {
                using ParquetRowGroupReader rg = reader.OpenRowGroupReader(g);
                long n = rg.GetMetadata(field)!.MetaData!.NumValues;
                Type t = field.ClrType;
                if (field.Path.ToList().Count > 1)
                {
                    // The list's elements: raw values (dense) with their levels; an empty list has no element.
                    var raw = new ReadOnlyMemory<char>[n];
                    var defs = new int[n];
                    var reps = new int[n];
                    rg.ReadRawAsync<ReadOnlyMemory<char>>(field, raw.AsMemory(), defs.AsMemory(), reps.AsMemory()).GetAwaiter().GetResult();
                    int elements = defs.Count(d => d == field.MaxDefinitionLevel);
                    values.AddRange(raw.Take(elements).Select(m => (object?)m.ToString()));
                }
                else if (t == typeof(string) || t == typeof(ReadOnlyMemory<char>))
                {
                    var data = new string?[n];
                    rg.ReadAsync(field, data.AsMemory(), null).GetAwaiter().GetResult();
                    values.AddRange(data);
                }
                else
                {
                    values.AddRange(ReadTyped(rg, field, (int)n));
                }
            }
            columns[field.Name] = values;
        }
    }

    private sealed class DisposeAsync(IAsyncDisposable inner) : IDisposable
    {
        public void Dispose() => inner.DisposeAsync().AsTask().GetAwaiter().GetResult();
    }

    private static IEnumerable<object?> ReadTyped(ParquetRowGroupReader rg, DataField field, int n)
    {
        if (field.ClrType == typeof(long))
        {
            return Read<long>(rg, field, n);
        }
        if (field.ClrType == typeof(int))
        {
            return Read<int>(rg, field, n);
        }
        if (field.ClrType == typeof(bool))
        {
            return Read<bool>(rg, field, n);
        }
        if (field.ClrType == typeof(double))
        {
            return Read<double>(rg, field, n);
        }
        return Read<DateTime>(rg, field, n);
    }

    private static IEnumerable<object?> Read<T>(ParquetRowGroupReader rg, DataField field, int n)
        where T : struct
    {
        if (field.IsNullable)
        {
            var data = new T?[n];
            rg.ReadAsync<T>(field, data.AsMemory(), null).GetAwaiter().GetResult();
            return data.Select(x => x.HasValue ? (object?)x.Value : null);
        }
        var plain = new T[n];
        rg.ReadAsync<T>(field, plain.AsMemory(), null).GetAwaiter().GetResult();
        return plain.Select(x => (object?)x);
    }
}
