using PcapStream.Decoding;
using PcapStream.Flows;
using PcapStream.Sinks;
using PcapStream.Tests.Streaming;

namespace PcapStream.Tests.Sinks;

/// <summary>
/// The flows parts written early (while a batch is still decoded) are the parts a single write at the end gives,
/// byte for byte, also when a flow of an hour already written arrives late (the part is written again).
/// </summary>
public class FlowBatchWriterTests
{
    private const long Hour = 3_600_000_000_000L;

    private static FlowKey KeyOf(int n) => new(IpAddress16.Parse("10.0.0." + (1 + n % 200)), IpAddress16.Parse("10.0.1.1"),
        (ushort)(1000 + n), 53, 17, FlowKey.HasPortsBit | FlowKey.IPv4Bit, -1);

    // Odd flows carry the Community ID the per-file builder would have handed over (the sink copies it), even ones
    // are hashed by the sink in a group: both kinds mixed in one row group.
    private static FlowRecord Flow(long firstSeenNanos, int n) => new()
    {
        Key = KeyOf(n),
        KnownCommunityId = n % 2 == 1 ? FlowIds.CommunityId(KeyOf(n)) : null,
        Sensor = "lab",
        FirstSeenNanos = firstSeenNanos,
        LastSeenNanos = firstSeenNanos + 1_000_000,
        IpVersion = 4,
        IpProto = 17,
        SrcIP = IpAddress16.Parse("10.0.0." + (1 + n % 200)),
        DstIP = IpAddress16.Parse("10.0.1.1"),
        SrcPort = 1000 + n,
        DstPort = 53,
        SrcPackets = n,
        ConnState = "OTH",
        EndReason = EndReason.Idle,
        Files = ["a.pcap"],
    };

    [Fact]
    public void Early_parts_and_late_flows_give_the_bytes_of_one_write_at_the_end()
    {
        using var dirs = new TestDirs("flow-batch-writer");
        var options = new SinkOptions { FlowRowGroupRows = 3 }; // several row groups per part
        var ended = new List<FlowRecord>();
        long t0 = 480_000 * Hour; // an hour boundary
        for (int i = 0; i < 7; i++)
        {
            ended.Add(Flow(t0 + i % 3 * Hour + i * 1_000_000_000L, i));
        }

        string early = dirs.Sub("early");
        List<string> earlyPaths;
        using (var writer = new FlowBatchWriter(early, 5, options, parallelism: 2, sealLagNanos: 0, CancellationToken.None))
        {
            writer.Stitched(0, ended, t0 + 3 * Hour); // hours 0-2 are behind: all three written early
            writer.WaitForEarlyParts();
            Assert.Equal(3, Directory.GetFiles(early, "*.parquet", SearchOption.AllDirectories).Length);
            ended.Add(Flow(t0 + Hour + 5, 100)); // a late flow of hour 1: its part is written again
            ended.Add(Flow(t0 + 3 * Hour + 5, 101)); // a new hour
            earlyPaths = writer.Finish([new FlowSink.StreamFlows(0, ended)]);
        }

        string once = dirs.Sub("once");
        List<string> oncePaths;
        using (var writer = new FlowBatchWriter(once, 5, options, parallelism: 1, sealLagNanos: -1, CancellationToken.None))
        {
            oncePaths = writer.Finish([new FlowSink.StreamFlows(0, ended)]);
        }

        Assert.Equal(oncePaths.Select(p => Path.GetRelativePath(once, p)), earlyPaths.Select(p => Path.GetRelativePath(early, p)));
        Assert.Equal(4, oncePaths.Count);
        foreach (string p in oncePaths)
        {
            Assert.Equal(File.ReadAllBytes(p), File.ReadAllBytes(Path.Combine(early, Path.GetRelativePath(once, p))));
        }
        Assert.Empty(Directory.GetFiles(early, "*.tmp", SearchOption.AllDirectories));
        // Hour 1 holds its two flows and the late one; every row has its own flow's ids (srcPort is unique per flow),
        // computed here independently of the records (whose own strings the sink never formats).
        Assert.Equal(3, DatasetComparer.Scalar($"SELECT count(*) FROM read_parquet('{earlyPaths[1]}')"));
        string expected = string.Join(';', ended.OrderBy(f => f.SrcPort)
            .Select(f => $"{f.SrcPort} {FlowIds.FlowId(f.Sensor, f.Key, f.FirstSeenNanos)} {FlowIds.CommunityId(f.Key)}"));
        string files = string.Join(',', earlyPaths.Select(p => $"'{p}'"));
        Assert.Equal(expected, DatasetComparer.Text(
            $"SELECT string_agg(srcPort || ' ' || flowId || ' ' || communityId, ';' ORDER BY srcPort) FROM read_parquet([{files}])"));
    }
}
