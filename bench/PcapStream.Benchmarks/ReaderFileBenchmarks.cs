using BenchmarkDotNet.Attributes;
using PcapStream.Readers;

namespace PcapStream.Benchmarks;

/// <summary>
/// Reader alone over the real benchmark capture (../shared/bench/README.md; build it with make-bench-pcap.sh),
/// page cache warm: the ceiling the decoder and sinks work under. File from PCAPSTREAM_BENCH_FILE, default
/// /tmp/bench-1g.pcap. Compare with <c>dd bs=1M</c> on the same file in the same session.
/// <c>dotnet run -c Release --project bench/PcapStream.Benchmarks -- --filter '*ReaderFileBenchmarks*' --job short</c>
/// </summary>
[MemoryDiagnoser]
public class ReaderFileBenchmarks
{
    private string _path = "";

    [Params(256 << 10, 1 << 20, 4 << 20)]
    public int BufferSize { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _path = Environment.GetEnvironmentVariable("PCAPSTREAM_BENCH_FILE") ?? "/tmp/bench-1g.pcap";
        if (!File.Exists(_path))
        {
            throw new FileNotFoundException(
                $"benchmark capture {_path} not found: build it as ../shared/bench/README.md says, or set PCAPSTREAM_BENCH_FILE");
        }
    }

    [Benchmark]
    public long ReadFile()
    {
        long bytes = 0;
        using CaptureReader reader = CaptureReader.Open(_path, null, BufferSize);
        while (reader.TryRead(out CaptureRecord r))
        {
            bytes += r.CapturedLength;
        }
        return bytes;
    }
}
