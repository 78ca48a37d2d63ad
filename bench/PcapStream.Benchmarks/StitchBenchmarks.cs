using BenchmarkDotNet.Attributes;
using PcapStream.Decoding;
using PcapStream.Flows;
using PcapStream.Readers;

namespace PcapStream.Benchmarks;

/// <summary>
/// The streaming job's flow side against the single pass (<c>flows --count</c>'s loop), on real frames held in
/// memory (no I/O): the benchmark capture's first 200,000 packets (<c>/tmp/bench-200k.pcap</c>, or
/// <c>PCAPSTREAM_STITCH_PCAP</c>), cut into <see cref="Pieces"/> files of equal packet counts. Per packet:
/// <list type="bullet">
/// <item><c>SinglePass</c>: FlowFastPath (decoder for other frames) + one flow table, records counted only.</item>
/// <item><c>BuildPieces</c>: each piece through its own <see cref="FileFlowBuilder"/> (the parallel part of the job).</item>
/// <item><c>BuildAndStitch</c>: the same, then the pieces stitched in order into <see cref="FlowRecord"/>s: the job's
/// whole flow cost, minus reading the files and the ids (Community ID, flowId), which the flows sink hashes straight
/// into its columns.</item>
/// </list>
/// Run: <c>dotnet run -c Release --project bench/PcapStream.Benchmarks -- --filter '*StitchBenchmarks*'</c>.
/// </summary>
[MemoryDiagnoser]
public class StitchBenchmarks
{
    private byte[][] _frames = [];
    private int[] _wire = [];
    private long[] _times = [];

    /// <summary>Files the capture is cut into.</summary>
    [Params(1, 11)]
    public int Pieces { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        string path = Environment.GetEnvironmentVariable("PCAPSTREAM_STITCH_PCAP") ?? "/tmp/bench-200k.pcap";
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"{path} missing: head -c 70000000 of the benchmark capture (../shared/bench/README.md), or set PCAPSTREAM_STITCH_PCAP", path);
        }
        var frames = new List<byte[]>();
        var wire = new List<int>();
        var times = new List<long>();
        using CaptureReader reader = CaptureReader.Open(path);
        while (reader.TryRead(out CaptureRecord r))
        {
            if (r.LinkType != 1)
            {
                throw new InvalidDataException("the benchmark expects an Ethernet capture");
            }
            frames.Add(r.Data.ToArray());
            wire.Add(r.OriginalLength);
            times.Add(r.TimestampNanos);
        }
        _frames = [.. frames];
        _wire = [.. wire];
        _times = [.. times];
    }

    private int Ops => _frames.Length;

    [Benchmark(Baseline = true)]
    public long SinglePass()
    {
        var totals = new FlowTotals();
        var tracker = new FlowTracker(new FlowSettings(), totals);
        var packet = new DecodedPacket();
        for (int piece = 0; piece < Pieces; piece++)
        {
            tracker.BeginFile("f" + piece);
            (int from, int to) = Range(piece);
            for (int i = from; i < to; i++)
            {
                if (!tracker.TryAddEthernet(_frames[i], _wire[i], _times[i]))
                {
                    PacketDecoder.Decode(_frames[i], 1, _wire[i], ref packet);
                    tracker.Add(packet, _times[i]);
                }
            }
        }
        tracker.Flush();
        return totals.Flows;
    }

    [Benchmark]
    public int BuildPieces()
    {
        int segments = 0;
        for (int piece = 0; piece < Pieces; piece++)
        {
            segments += Build(piece).Count;
        }
        return segments;
    }

    [Benchmark]
    public int BuildAndStitch()
    {
        var settings = new FlowSettings();
        var stitcher = new FlowStitcher(settings, "sensor-1");
        var ended = new List<FlowRecord>(1 << 16);
        for (int piece = 0; piece < Pieces; piece++)
        {
            stitcher.Add(Build(piece), ended);
        }
        stitcher.Flush(ended);
        return ended.Count;
    }

    private FileFlowSegments Build(int piece)
    {
        var builder = new FileFlowBuilder(new FlowSettings(), "f" + piece);
        var packet = new DecodedPacket();
        (int from, int to) = Range(piece);
        for (int i = from; i < to; i++)
        {
            builder.Add(_frames[i], 1, _wire[i], _times[i], ref packet, decode: false);
        }
        return builder.Complete();
    }

    private (int From, int To) Range(int piece) => (piece * Ops / Pieces, (piece + 1) * Ops / Pieces);
}
