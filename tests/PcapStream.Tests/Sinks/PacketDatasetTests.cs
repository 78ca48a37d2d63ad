using DuckDB.NET.Data;
using PcapStream.Decoding;
using PcapStream.Output;
using PcapStream.Readers;
using PcapStream.Sinks;
using PcapStream.Streaming;
using PcapStream.Tests.Streaming;
using PcapStream.Tests.Support;

namespace PcapStream.Tests.Sinks;

/// <summary>
/// The <c>packets</c> dataset written by PcapStream's own Parquet writer, from real captures (tunnels, IPv6
/// extension headers, VLAN/QinQ, fragments, odd link types, pcapng Simple Packet Blocks without timestamps, a
/// truncated file) with row groups of 300 rows and 1 KiB pages, so row-group and page boundaries fall everywhere:
/// every cell read back by DuckDB equals what <see cref="PacketColumns"/> gives for that packet (what the
/// <c>packets</c> command prints), and the footer statistics of every row group are the exact min/max.
/// </summary>
public class PacketDatasetTests
{
    private const int RowGroupRows = 300;

    private static string[] Captures(string root)
    {
        var list = new List<string> { "traffic/1kxun.pcap", "pcapng/test010_be.pcapng", "pcapng/test016.pcapng", "broken/truncated-mid-record.pcap" };
        foreach (string folder in new[] { "tunnels", "ipv6", "vlan", "ipv4", "linktypes", "mpls", "pppoe" })
        {
            foreach (string f in Directory.EnumerateFiles(Path.Combine(root, folder)))
            {
                list.Add(Path.GetRelativePath(root, f));
            }
        }
        list.Sort(StringComparer.Ordinal);
        return [.. list];
    }

    private static string Ingest(TestDirs dirs, string root, string[] captures)
    {
        string output = dirs.Sub("out");
        using var job = new StreamingJob(new JobOptions
        {
            Inputs = [.. captures.Select(c => Path.Combine(root, c))],
            Output = output,
            Once = true,
            FlushAtEnd = true,
            Source = new SourceOptions { Completion = CompletionMode.All },
            Sinks = new SinkOptions { PacketRowGroupRows = RowGroupRows, PageBytes = 1024 },
        }, TextWriter.Null);
        job.Run(CancellationToken.None);
        return output;
    }

    [Fact]
    public void Every_cell_of_real_captures_reads_back_as_the_PacketColumns_value_across_row_group_and_page_boundaries()
    {
        string root = SharedData.Require("pcaps");
        using var dirs = new TestDirs("pq-packets");
        string[] captures = Captures(root);
        string output = Ingest(dirs, root, captures);

        using var db = new DuckDBConnection("DataSource=:memory:");
        db.Open();
        using DuckDBCommand cmd = db.CreateCommand();
        cmd.CommandText = $"SELECT * EXCLUDE (date, hour) FROM {DatasetComparer.Source(output, "packets")} ORDER BY file, frameNumber";
        using DuckDBDataReader reader = cmd.ExecuteReader();
        long rows = 0, nullTimes = 0, tunnels = 0, v6 = 0, anomalies = 0;
        Span<byte> communityId = stackalloc byte[CommunityId.MaxTextLength];
        foreach (string relative in captures)
        {
            using CaptureReader capture = CaptureReader.Open(Path.Combine(root, relative));
            var packet = default(DecodedPacket);
            while (true)
            {
                CaptureRecord record;
                try
                {
                    if (!capture.TryRead(out record))
                    {
                        break;
                    }
                }
                catch (CaptureFormatException)
                {
                    break; // the job keeps the good records before the damage, as this loop does
                }
                PacketDecoder.Decode(record.Data, record.LinkType, record.OriginalLength, ref packet);
                PacketRow row = PacketRow.From(record, in packet, "default", relative, communityId);
                Assert.True(reader.Read(), $"{relative}: fewer rows than packets");
                rows++;
                nullTimes += record.HasTimestamp ? 0 : 1;
                tunnels += packet.Tunnel != TunnelKind.None ? 1 : 0;
                v6 += packet.IpVersion == 6 ? 1 : 0;
                anomalies += packet.Anomaly != Anomaly.None ? 1 : 0;
                for (int c = 0; c < PacketColumns.Count; c++)
                {
                    PacketCellAssert.Equal(reader, c, in row, $"{relative} frame {record.FrameNumber} column {PacketColumns.Columns[c].Name}");
                }
            }
        }
        Assert.False(reader.Read(), "more rows than packets");
        // The corpus exercised what the test claims.
        Assert.True(rows > 2000 && nullTimes > 0 && tunnels > 0 && v6 > 0 && anomalies > 0, $"{rows} rows, {nullTimes} without time, {tunnels} tunnelled, {v6} IPv6, {anomalies} anomalies");
        Assert.True(DatasetComparer.Scalar($"SELECT count(*) FROM parquet_metadata('{Path.Combine(output, "packets")}/**/*.parquet') WHERE path_in_schema = 'sensor' AND row_group_id > 0") > 0);

        // Exact statistics in every row group of every part (row groups are RowGroupRows rows, except at the end
        // of a part), for each numeric and timestamp column and the dictionary-encoded strings.
        string glob = $"{Path.Combine(output, "packets")}/**/*.parquet";
        foreach (ColumnDefinition c in PacketColumns.Columns)
        {
            if (c.Type == ColumnType.Boolean)
            {
                continue;
            }
            string stat = c.Type == ColumnType.Timestamp ? "CAST(epoch_us(TRY_CAST(stats_{0}_value AS TIMESTAMP)) AS VARCHAR)" : "stats_{0}_value";
            long wrong = DatasetComparer.Scalar($"""
                WITH t AS (SELECT filename AS f, file_row_number // {RowGroupRows} AS rg, {c.Name} AS v FROM read_parquet('{glob}', filename = true, file_row_number = true)),
                     truth AS (SELECT f, rg, min(v) AS mn, max(v) AS mx, count(*) - count(v) AS nulls FROM t GROUP BY f, rg),
                     m AS (SELECT file_name AS f, row_group_id AS rg, {string.Format(System.Globalization.CultureInfo.InvariantCulture, stat, "min")} AS mn,
                                  {string.Format(System.Globalization.CultureInfo.InvariantCulture, stat, "max")} AS mx, stats_null_count AS nulls
                           FROM parquet_metadata('{glob}') WHERE path_in_schema = '{c.Name}')
                SELECT count(*) FROM truth FULL JOIN m USING (f, rg)
                WHERE {(c.Type == ColumnType.Timestamp ? "CAST(epoch_us(truth.mn) AS VARCHAR)" : "CAST(truth.mn AS VARCHAR)")} IS DISTINCT FROM m.mn
                   OR {(c.Type == ColumnType.Timestamp ? "CAST(epoch_us(truth.mx) AS VARCHAR)" : "CAST(truth.mx AS VARCHAR)")} IS DISTINCT FROM m.mx
                   OR truth.nulls IS DISTINCT FROM m.nulls
                """);
            Assert.True(wrong == 0, $"{c.Name}: {wrong} row groups whose statistics are not the exact min/max/null count");
        }
    }

    [Fact]
    public void A_time_filter_returns_exactly_the_rows_in_the_window_and_row_groups_outside_it_are_skipped_by_their_statistics()
    {
        string root = SharedData.Require("pcaps");
        using var dirs = new TestDirs("pq-prune");
        string output = Ingest(dirs, root, ["traffic/1kxun.pcap"]);
        string src = DatasetComparer.Source(output, "packets");
        long lo = DatasetComparer.Scalar($"SELECT quantile_disc(timestampNanos, 0.4) // 1000 FROM {src}");
        long hi = DatasetComparer.Scalar($"SELECT quantile_disc(timestampNanos, 0.6) // 1000 FROM {src}");
        long expected = DatasetComparer.Scalar($"SELECT count(*) FROM {src} WHERE timestampNanos // 1000 BETWEEN {lo} AND {hi}");
        Assert.True(expected > 0);
        Assert.Equal(expected, DatasetComparer.Scalar($"SELECT count(*) FROM {src} WHERE timestamp BETWEEN make_timestamp({lo}) AND make_timestamp({hi})"));
        // The statistics let a reader skip row groups: some row groups lie wholly outside the window.
        string glob = $"{Path.Combine(output, "packets")}/**/*.parquet";
        long groups = DatasetComparer.Scalar($"SELECT count(*) FROM parquet_metadata('{glob}') WHERE path_in_schema = 'timestamp'");
        long outside = DatasetComparer.Scalar($"""
            SELECT count(*) FROM parquet_metadata('{glob}') WHERE path_in_schema = 'timestamp'
            AND (epoch_us(TRY_CAST(stats_max_value AS TIMESTAMP)) < {lo} OR epoch_us(TRY_CAST(stats_min_value AS TIMESTAMP)) > {hi})
            """);
        Assert.True(groups >= 5 && outside >= 2, $"{groups} row groups, {outside} outside the window");
    }
}
