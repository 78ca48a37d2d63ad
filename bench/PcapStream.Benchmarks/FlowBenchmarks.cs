using BenchmarkDotNet.Attributes;
using PcapStream.Decoding;
using PcapStream.Flows;

namespace PcapStream.Benchmarks;

/// <summary>
/// Flow update per packet (key, hash, table update) on a pre-decoded packet mix of 20,000 concurrent
/// conversations, both directions: must allocate 0 B per packet. Flushing ends the flows once per iteration
/// (counting sink: no record objects), so the allocation column is the per-packet cost.
/// Run: <c>dotnet run -c Release --project bench/PcapStream.Benchmarks -- --filter '*FlowBenchmarks*'</c>.
/// </summary>
[MemoryDiagnoser]
public class FlowBenchmarks
{
    private const int Packets = 1 << 20;
    private DecodedPacket[] _packets = [];
    private long[] _times = [];

    [GlobalSetup]
    public void Setup()
    {
        var rng = new Random(1);
        _packets = new DecodedPacket[Packets];
        _times = new long[Packets];
        for (int i = 0; i < Packets; i++)
        {
            int conv = rng.Next(20_000);
            bool reply = rng.Next(2) == 0;
            ref DecodedPacket p = ref _packets[i];
            p.Reset();
            var a = IpAddress16.FromIPv4(0x0A000000u | (uint)conv);
            var b = IpAddress16.FromIPv4(0xC0A80001u);
            p.IpVersion = 4;
            p.Src = reply ? b : a;
            p.Dst = reply ? a : b;
            p.IpProto = 6;
            p.HasPorts = p.HasTcp = true;
            p.SrcPort = reply ? (ushort)443 : (ushort)(10000 + conv % 50000);
            p.DstPort = reply ? (ushort)(10000 + conv % 50000) : (ushort)443;
            p.TcpFlags = 0x10;
            p.WireLength = 300;
            p.IpLength = 286;
            p.PayloadLength = 246;
            _times[i] = 1_700_000_000_000_000_000L + i * 1000L;
        }
    }

    [Benchmark(OperationsPerInvoke = Packets, Baseline = true)]
    public long SinglePass()
    {
        var totals = new FlowTotals();
        var tracker = new FlowTracker(new FlowSettings(), totals);
        tracker.BeginFile("bench");
        for (int i = 0; i < _packets.Length; i++)
        {
            tracker.Add(_packets[i], _times[i]);
        }
        tracker.Flush();
        return totals.Flows;
    }

    [Benchmark(OperationsPerInvoke = Packets)]
    public int PerFileBuilder()
    {
        var builder = new FileFlowBuilder(new FlowSettings(), "bench");
        for (int i = 0; i < _packets.Length; i++)
        {
            builder.Add(_packets[i], _times[i]);
        }
        FileFlowSegments segments = builder.Complete();
        // As the job's stitcher does once it has read them: the log chunks and arrays go back for the next file.
        segments.Release();
        return segments.Count;
    }
}
