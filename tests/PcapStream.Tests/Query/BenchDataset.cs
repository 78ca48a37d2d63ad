using PcapStream.Tests.Support;

namespace PcapStream.Tests.Query;

/// <summary>
/// Builds the dataset bench/extract.sh times extract against (from PCAPSTREAM_BENCH_CAPTURE into
/// PCAPSTREAM_BENCH_OUTPUT). Skipped unless both are set; a stand-in until `pcapstream ingest` lands.
/// </summary>
public sealed class BenchDataset
{
    [Fact]
    public void Build_benchmark_dataset_when_asked()
    {
        string? capture = Environment.GetEnvironmentVariable("PCAPSTREAM_BENCH_CAPTURE");
        string? output = Environment.GetEnvironmentVariable("PCAPSTREAM_BENCH_OUTPUT");
        if (string.IsNullOrEmpty(capture) || string.IsNullOrEmpty(output))
        {
            Assert.Skip("set PCAPSTREAM_BENCH_CAPTURE and PCAPSTREAM_BENCH_OUTPUT (bench/extract.sh does) to build the benchmark dataset.");
        }
        var (packets, flows) = DatasetBuilder.Build(output, Path.GetDirectoryName(Path.GetFullPath(capture))!, [Path.GetFileName(capture)]);
        Assert.True(packets.Count > 0 && flows.Count > 0);
        _ = SharedData.RootOrNull;
    }
}
