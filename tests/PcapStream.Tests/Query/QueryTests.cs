using System.Data.Common;
using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.RegularExpressions;
using PcapStream.Query;
using PcapStream.Tests.Support;

namespace PcapStream.Tests.Query;

public sealed partial class QueryTests : IDisposable
{
    private static readonly string[] Captures = ["traffic/1kxun.pcap", "ethernet/simple_http.pcap", "ethernet/test_dns.pcap"];
    private readonly string _dir = Directory.CreateTempSubdirectory("pcapstream-query").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>The three corpus captures ingested once by the real ingest, for the read-only tests.</summary>
    private static readonly Lazy<string> Shared = new(() => Ingested.Ingest(
        Path.Combine(Directory.CreateTempSubdirectory("pcapstream-query-corpus").FullName, "out"),
        [.. Captures.Select(c => SharedData.Require("pcaps/" + c))]));

    private static string Dataset()
    {
        SharedData.Require("pcaps");
        return Shared.Value;
    }

    /// <summary>Every record of the corpus captures, read by the test's own walk (not PcapStream's reader).</summary>
    private static List<WalkedRecord> CorpusRecords() => [.. Captures.SelectMany(c => CaptureWalk.Read(SharedData.Require("pcaps/" + c)))];

    private static List<object?[]> Rows(QuerySession s, string sql)
    {
        using DbDataReader r = s.Execute(sql);
        var rows = new List<object?[]>();
        while (r.Read())
        {
            var row = new object?[r.FieldCount];
            for (int i = 0; i < row.Length; i++)
            {
                row[i] = r.IsDBNull(i) ? null : r.GetValue(i);
            }
            rows.Add(row);
        }
        return rows;
    }

    [Fact]
    public void Demo_count_query_counts_every_packet_capinfos_counts()
    {
        string output = Dataset();
        long expected = 0;
        foreach (string c in Captures)
        {
            // capinfos: an independent count of the records in each capture
            string text = Ingested.Run("capinfos", ["-c", "-M", SharedData.Require("pcaps/" + c)]);
            expected += long.Parse(NumberRegex().Match(text[text.IndexOf("packets:", StringComparison.Ordinal)..]).Value, CultureInfo.InvariantCulture);
        }
        using QuerySession s = QuerySession.Open(output);
        Assert.Equal(1723 + 24 + 10, expected);
        Assert.Equal(expected, Convert.ToInt64(s.Scalar("select count(*) from packets"), CultureInfo.InvariantCulture));
    }

    [Fact]
    public void Demo_protocol_aggregation_matches_tshark_per_protocol_numbers()
    {
        string output = Dataset();
        // Independent: tshark's ip.proto/ipv6.nxt and frame.len for every frame of the same captures.
        var expected = new Dictionary<string, (long Count, long Max, double Sum)>();
        foreach (string c in Captures)
        {
            foreach (string line in Ingested.Tshark(SharedData.Require("pcaps/" + c), "-e", "ip.proto", "-e", "ipv6.nxt", "-e", "frame.len"))
            {
                string[] f = line.Split('\t');
                string p = (f[0].Length > 0 ? f[0] : f[1]).Split(',')[0] switch { "6" => "TCP", "17" => "UDP", "1" => "ICMP", "58" => "ICMPv6", "" => "", var n => n };
                long len = long.Parse(f[2], CultureInfo.InvariantCulture);
                expected.TryGetValue(p, out var e);
                expected[p] = (e.Count + 1, Math.Max(e.Max, len), e.Sum + len);
            }
        }
        using QuerySession s = QuerySession.Open(output);
        List<object?[]> rows = Rows(s, "select protocol, count(*) as packets, max(length), avg(length) from packets group by protocol");
        Assert.Equal(expected.Count, rows.Count);
        foreach (object?[] row in rows)
        {
            var e = expected[(string)row[0]!];
            Assert.Equal(e.Count, Convert.ToInt64(row[1], CultureInfo.InvariantCulture));
            Assert.Equal(e.Max, Convert.ToInt64(row[2], CultureInfo.InvariantCulture));
            Assert.Equal(e.Sum / e.Count, Convert.ToDouble(row[3], CultureInfo.InvariantCulture), 6);
        }
        Assert.True(expected["TCP"].Count > 100);
    }

    [Fact]
    public void Demo_per_millisecond_window_query_counts_packets_per_millisecond()
    {
        string output = Dataset();
        List<WalkedRecord> records = CorpusRecords();
        using QuerySession s = QuerySession.Open(output);
        // As the Drill demo wrote it, FROM changed to packets.
        List<object?[]> rows = Rows(s, """
            select to_timestamp(timestampMillis / 1000) as ts, date_part('millisecond', to_timestamp(timestampMillis / 1000)) as ms,
                   timestampMillis, srcIP, dstIP, protocol, count(*) over(partition by timestampMillis) as packetsInMillisecond
            from packets order by timestampMillis, srcIP
            """);
        Assert.Equal(records.Count, rows.Count);
        Dictionary<long, int> perMs = records.GroupBy(r => r.TimestampNanos / 1_000_000).ToDictionary(g => g.Key, g => g.Count());
        Assert.Equal(perMs.Keys.Order(), rows.Select(r => Convert.ToInt64(r[2], CultureInfo.InvariantCulture)).Distinct());
        foreach (object?[] row in rows)
        {
            long ms = Convert.ToInt64(row[2], CultureInfo.InvariantCulture);
            Assert.Equal(perMs[ms], Convert.ToInt64(row[6], CultureInfo.InvariantCulture));
            Assert.Equal(ms % 60_000, Convert.ToInt64(row[1], CultureInfo.InvariantCulture)); // DuckDB: ms incl. seconds
        }
        Assert.Contains(perMs.Values, n => n > 1); // the window really groups several packets somewhere
    }

    [Fact]
    public void Files_of_a_batch_without_commit_are_invisible()
    {
        string output = Ingested.Ingest(Path.Combine(_dir, "out"), SharedData.Require("pcaps/ethernet/simple_http.pcap"));
        string part;
        using (QuerySession s = QuerySession.Open(output))
        {
            Assert.Equal(24L, Convert.ToInt64(s.Scalar("select count(*) from packets"), CultureInfo.InvariantCulture));
            part = s.Catalog.PacketFiles[0];
        }
        // What a batch that crashed between its sinks and its commit leaves: part files, no commits/<batch>.
        File.Copy(part, Path.Combine(Path.GetDirectoryName(part)!, "part-00000099-00000.parquet"));
        using (QuerySession s = QuerySession.Open(output))
        {
            Assert.Equal(24L, Convert.ToInt64(s.Scalar("select count(*) from packets"), CultureInfo.InvariantCulture));
        }
        File.WriteAllText(Path.Combine(output, "_pcapstream", "commits", "99"), "v1\n{}\n");
        using (QuerySession s = QuerySession.Open(output))
        {
            Assert.Equal(48L, Convert.ToInt64(s.Scalar("select count(*) from packets"), CultureInfo.InvariantCulture));
        }
    }

    [Fact]
    public void A_query_on_one_hour_reads_only_that_hours_files()
    {
        var (input, output, _) = Ingested.Sample;
        // Independent: the hour of every record of the sample captures, by the test's own walk.
        List<DateTime> times = [.. Directory.GetFiles(input, "*.pcap", SearchOption.AllDirectories)
            .SelectMany(CaptureWalk.Read).Select(r => DateTime.UnixEpoch.AddTicks(r.TimestampNanos / 100))];
        DateTime t = times.Max();
        long inHour = times.Count(x => x.Date == t.Date && x.Hour == t.Hour);
        Assert.True(inHour < times.Count, "the sample spans more than one hour");
        using QuerySession s = QuerySession.Open(output);
        string partition = Path.Combine(output, "packets", $"date={t:yyyy-MM-dd}", $"hour={t:HH}");
        int hourFiles = s.Catalog.PacketFiles.Count(f => f.StartsWith(partition + "/", StringComparison.Ordinal));
        Assert.InRange(hourFiles, 1, s.Catalog.PacketFiles.Count - 1);
        string where = $"date = '{t:yyyy-MM-dd}' and hour = {t.Hour}";
        Assert.Equal(inHour, Convert.ToInt64(s.Scalar($"select count(*) from packets where {where}"), CultureInfo.InvariantCulture));
        string plan = string.Join("\n", Rows(s, $"explain analyze select count(*), sum(length) from packets where {where}").Select(r => string.Join(" ", r)));
        Match files = TotalFilesRegex().Match(plan);
        Assert.True(files.Success, plan);
        Assert.Equal(hourFiles, int.Parse(files.Groups[1].Value, CultureInfo.InvariantCulture)); // that hour's files only
    }

    [Fact]
    public void Filters_and_groups_on_timestamp_columns_count_what_the_captures_hold()
    {
        var (input, output, _) = Ingested.Sample;
        List<long> times = [.. Directory.GetFiles(input, "*.pcap", SearchOption.AllDirectories)
            .SelectMany(CaptureWalk.Read).Select(r => r.TimestampNanos)];
        long midnight = (new DateTime(2026, 11, 27, 0, 0, 0, DateTimeKind.Utc) - DateTime.UnixEpoch).Ticks * 100;
        long after = times.Count(t => t >= midnight);
        Assert.InRange(after, 1, times.Count - 1);
        using QuerySession s = QuerySession.Open(output);
        // Row-group statistics must not make DuckDB skip data: the answer is the captures' count.
        Assert.Equal(after, Convert.ToInt64(s.Scalar("select count(*) from packets where timestamp >= TIMESTAMP '2026-11-27 00:00:00'"), CultureInfo.InvariantCulture));
        List<object?[]> minutes = Rows(s, "select date_trunc('minute', timestamp) as minute, count(*) from packets group by minute order by minute");
        Assert.Equal(times.GroupBy(t => t / 60_000_000_000L).OrderBy(g => g.Key).Select(g => (long)g.Count()),
            minutes.Select(r => Convert.ToInt64(r[1], CultureInfo.InvariantCulture)));
        Assert.Equal(Convert.ToInt64(s.Scalar("select count(*) from flows where firstSeenNanos >= " + midnight), CultureInfo.InvariantCulture),
            Convert.ToInt64(s.Scalar("select count(*) from flows where firstSeen >= TIMESTAMP '2026-11-27 00:00:00'"), CultureInfo.InvariantCulture));
    }

    [Fact]
    public void Queries_cannot_write_delete_or_reach_other_files()
    {
        var (_, output, _) = Ingested.Sample;
        string[] files = Directory.GetFiles(output, "*", SearchOption.AllDirectories);
        string Hash() => string.Join(",", files.Order(StringComparer.Ordinal).Select(f => Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(f)))));
        string before = Hash();
        using QuerySession s = QuerySession.Open(output);
        string victim = s.Catalog.PacketFiles[0];
        string[] attacks =
        [
            $"COPY (select 1 as x) TO '{victim}' (FORMAT parquet)",
            $"COPY (select 1 as x) TO '{Path.Combine(_dir, "escape.csv")}'",
            $"ATTACH '{Path.Combine(_dir, "x.duckdb")}' AS x",
            "DELETE FROM packets",
            "INSERT INTO packets SELECT * FROM packets LIMIT 1",
            "UPDATE flows SET srcBytes = 0",
            "SET enable_external_access = true",
            "select * from read_csv('/etc/passwd')",
            $"select count(*) from read_parquet('{Path.Combine(output, "packets")}/**/*.parquet')".Replace("count(*)", "count(*)", StringComparison.Ordinal),
            $"EXPORT DATABASE '{Path.Combine(_dir, "export")}'",
            "INSTALL httpfs",
        ];
        foreach (string sql in attacks)
        {
            Assert.Throws<QueryException>(() => s.Scalar(sql));
        }
        s.Scalar("DROP VIEW packets"); // only the session's own in-memory view goes
        Assert.False(File.Exists(Path.Combine(_dir, "escape.csv")));
        Assert.False(File.Exists(Path.Combine(_dir, "x.duckdb")));
        Assert.Equal(before, Hash());
    }

    [Fact]
    public void Map_and_struct_results_come_back_as_json_in_every_build()
    {
        using QuerySession s = QuerySession.Open(Dataset());
        const string sql = "select histogram(protocol) as h, struct_pack(a := 1, b := 'x') as st, count(*) filter (where protocol = 'TCP') as n from packets; -- done";
        using (var reader = s.Execute(sql))
        {
            var stream = new MemoryStream();
            Assert.Equal(1, ResultWriters.WriteJsonLines(reader, stream, jsonColumns: s.JsonColumns));
            using JsonDocument row = JsonDocument.Parse(stream.ToArray());
            long n = row.RootElement.GetProperty("n").GetInt64();
            Assert.Equal(n, row.RootElement.GetProperty("h").GetProperty("TCP").GetInt64());   // a nested object, not a string
            Assert.Equal("x", row.RootElement.GetProperty("st").GetProperty("b").GetString());
        }
        using (var reader = s.Execute(sql))
        {
            var text = new StringWriter();
            ResultWriters.WriteCsv(reader, text);
            Assert.Contains("{\"\"a\"\":1,\"\"b\"\":\"\"x\"\"}", text.ToString());
        }
    }

    [Fact]
    public void A_bad_query_is_one_sentence_from_duckdb()
    {
        string output = Dataset();
        using QuerySession s = QuerySession.Open(output);
        QueryException e = Assert.Throws<QueryException>(() => s.Scalar("select nosuchcolumn from packets"));
        Assert.DoesNotContain('\n', e.Message);
        Assert.Contains("nosuchcolumn", e.Message, StringComparison.Ordinal);
        Assert.Equal(1, PcapStream.Cli.Program.Main(["query", "--output", output, "--format", "csv", "select nosuchcolumn from packets"]));
        Assert.Equal(2, PcapStream.Cli.Program.Main(["query", "--output", output, "--format", "xml", "select 1"]));
    }

    [Theory]
    [InlineData("csv")]
    [InlineData("json")]
    [InlineData("parquet")]
    [InlineData("table")]
    public void Every_format_writes_the_rows(string format)
    {
        string output = Dataset();
        string file = Path.Combine(_dir, "result." + format);
        Assert.Equal(0, PcapStream.Cli.Program.Main(["query", "--output", output, "--format", format, "-o", file,
            "select protocol, count(*) as packets, min(timestamp) as firstTime from packets group by protocol order by packets desc"]));
        long tcp;
        using (QuerySession s = QuerySession.Open(output))
        {
            tcp = Convert.ToInt64(s.Scalar("select count(*) from packets where protocol = 'TCP'"), CultureInfo.InvariantCulture);
        }
        switch (format)
        {
            case "csv":
                string[] lines = File.ReadAllLines(file);
                Assert.Equal("protocol,packets,firstTime", lines[0]);
                Assert.StartsWith($"TCP,{tcp},", lines[1], StringComparison.Ordinal);
                Assert.Matches(@"Z$", lines[1]);
                break;
            case "json":
                Assert.StartsWith($"{{\"protocol\":\"TCP\",\"packets\":{tcp},", File.ReadLines(file).First(), StringComparison.Ordinal);
                break;
            case "parquet":
                using (var db = new DuckDB.NET.Data.DuckDBConnection("Data Source=:memory:"))
                {
                    db.Open();
                    using var c = db.CreateCommand();
                    c.CommandText = $"select packets from read_parquet('{file}') where protocol = 'TCP'";
                    Assert.Equal(tcp, Convert.ToInt64(c.ExecuteScalar(), CultureInfo.InvariantCulture));
                }
                break;
            default:
                string text = File.ReadAllText(file);
                Assert.Matches($@"│ TCP\s+│\s+{tcp} │", text);
                break;
        }
    }

    [Fact]
    public void Every_query_in_docs_queries_md_runs()
    {
        var (_, output, _) = Ingested.Sample;
        string doc = File.ReadAllText(Path.Combine(RepoRoot(), "docs", "queries.md"));
        MatchCollection blocks = SqlBlockRegex().Matches(doc);
        Assert.True(blocks.Count >= 15, $"{blocks.Count} queries");
        // Every query runs on both datasets and finds something in at least one (the sample has rejected
        // connections, the corpus has lopsided downloads).
        using QuerySession sample = QuerySession.Open(output), corpus = QuerySession.Open(Dataset());
        foreach (Match block in blocks)
        {
            int rows = Rows(sample, block.Groups[1].Value).Count + Rows(corpus, block.Groups[1].Value).Count;
            Assert.True(rows > 0, block.Value);
        }
    }

    private static string RepoRoot()
    {
        for (DirectoryInfo? d = new(AppContext.BaseDirectory); d is not null; d = d.Parent)
        {
            if (File.Exists(Path.Combine(d.FullName, "PcapStream.slnx")))
            {
                return d.FullName;
            }
        }
        throw new InvalidOperationException("repository root not found");
    }

    [GeneratedRegex(@"```sql\n(.*?)```", RegexOptions.Singleline)]
    private static partial Regex SqlBlockRegex();

    [GeneratedRegex(@"\d+")]
    private static partial Regex NumberRegex();

    [GeneratedRegex(@"Total Files Read:\s*(\d+)")]
    private static partial Regex TotalFilesRegex();
}
