using PcapStream.Sample;
using PcapStream.Streaming;

namespace PcapStream.Tests.Streaming;

public class ParquetSinkTests
{
    private static string Ingest(TestDirs dirs, bool packets = true)
    {
        string input = dirs.Sub("in"), output = dirs.Sub("out");
        SampleCaptureGenerator.Generate(input, new SampleOptions { Sensors = 2, Minutes = 4, Flows = 400 });
        using var job = new StreamingJob(
            EndToEndTests.OnceOptions(input, output) with { Sinks = new PcapStream.Sinks.SinkOptions { WritePackets = packets } }, TextWriter.Null);
        job.Run(CancellationToken.None);
        return output;
    }

    [Fact]
    public void Timestamps_are_plain_microsecond_TIMESTAMP_columns_that_other_engines_read()
    {
        using var dirs = new TestDirs("sink-types");
        string output = Ingest(dirs);
        Assert.Equal("TIMESTAMP", DatasetComparer.Text($"SELECT typeof(timestamp) FROM {DatasetComparer.Source(output, "packets")} LIMIT 1"));
        Assert.Equal("TIMESTAMP", DatasetComparer.Text($"SELECT typeof(firstSeen) FROM {DatasetComparer.Source(output, "flows")} LIMIT 1"));
        // The TIMESTAMP column and the ns column are the same instant, to the microsecond.
        Assert.Equal(0, DatasetComparer.Scalar($"SELECT count(*) FROM {DatasetComparer.Source(output, "packets")} WHERE epoch_us(timestamp) <> timestampNanos // 1000"));
    }

    [Fact]
    public void Time_filters_in_other_engines_see_every_row_their_timestamp_statistics_are_microseconds()
    {
        // Engines prune row groups with the footer's min/max: with the statistics in the wrong unit
        // (Parquet.Net writes milliseconds for TIMESTAMP(MICROS)) a filter on timestamp silently returned nothing.
        using var dirs = new TestDirs("sink-stats");
        string output = Ingest(dirs);
        foreach ((string dataset, string time, string nanos) in new[] { ("packets", "timestamp", "timestampNanos"), ("flows", "firstSeen", "firstSeenNanos"), ("flows", "lastSeen", "lastSeenNanos") })
        {
            string src = DatasetComparer.Source(output, dataset);
            long total = DatasetComparer.Count(output, dataset);
            Assert.Equal(total, DatasetComparer.Scalar($"SELECT count(*) FROM {src} WHERE {time} > TIMESTAMP '2000-01-01'"));
            // A window inside the data: the TIMESTAMP filter and the same filter on the ns column agree.
            long mid = DatasetComparer.Scalar($"SELECT (min({nanos}) + max({nanos})) // 2000 FROM {src}");
            Assert.Equal(
                DatasetComparer.Scalar($"SELECT count(*) FROM {src} WHERE {nanos} // 1000 >= {mid}"),
                DatasetComparer.Scalar($"SELECT count(*) FROM {src} WHERE {time} >= make_timestamp({mid})"));
            // And the statistics themselves bound the values (to the microsecond, within the 1 ms the library lost).
            Assert.Equal(0, DatasetComparer.Scalar(
                $"SELECT count(*) FROM parquet_metadata('{Path.Combine(output, dataset).Replace("'", "''", StringComparison.Ordinal)}/**/*.parquet') " +
                $"WHERE path_in_schema = '{time}' AND (CAST(stats_min_value AS TIMESTAMP) < TIMESTAMP '2000-01-01')"));
        }
    }

    [Fact]
    public void Packets_land_in_the_hour_partition_of_their_own_time_and_the_date_folder_changes_at_midnight()
    {
        using var dirs = new TestDirs("sink-partitions");
        string output = Ingest(dirs);
        string packets = DatasetComparer.Source(output, "packets");
        Assert.Equal(0, DatasetComparer.Scalar($"SELECT count(*) FROM {packets} WHERE CAST(date AS VARCHAR) <> strftime(timestamp, '%Y-%m-%d') OR CAST(hour AS INTEGER) <> hour(timestamp)"));
        Assert.Equal(2, DatasetComparer.Scalar($"SELECT count(DISTINCT date) FROM {packets}"));
        string flows = DatasetComparer.Source(output, "flows");
        Assert.Equal(0, DatasetComparer.Scalar($"SELECT count(*) FROM {flows} WHERE CAST(hour AS INTEGER) <> hour(firstSeen)"));
    }

    [Fact]
    public void Every_packet_of_the_sample_is_a_row_and_every_packet_is_counted_in_exactly_one_flow()
    {
        using var dirs = new TestDirs("sink-counts");
        string output = Ingest(dirs);
        long generated = 0;
        foreach (string f in Directory.EnumerateFiles(dirs.Sub("in"), "*.pcap", SearchOption.AllDirectories))
        {
            using var reader = PcapStream.Readers.CaptureReader.Open(f);
            while (reader.TryRead(out _))
            {
                generated++;
            }
        }
        Assert.Equal(generated, DatasetComparer.Count(output, "packets"));
        Assert.Equal(generated, DatasetComparer.Scalar($"SELECT CAST(sum(srcPackets + dstPackets) AS BIGINT) FROM {DatasetComparer.Source(output, "flows")}"));
        // 400 generated flows + one long-lived connection per sensor.
        Assert.Equal(402, DatasetComparer.Count(output, "flows"));
    }

    [Fact]
    public void No_packets_writes_only_the_flows_dataset()
    {
        using var dirs = new TestDirs("sink-nopackets");
        string output = Ingest(dirs, packets: false);
        Assert.False(Directory.Exists(Path.Combine(output, "packets")));
        Assert.Equal(402, DatasetComparer.Count(output, "flows"));
    }
}
