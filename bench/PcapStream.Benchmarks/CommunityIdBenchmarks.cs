using BenchmarkDotNet.Attributes;
using PcapStream.Decoding;
using PcapStream.Flows;

namespace PcapStream.Benchmarks;

/// <summary>
/// ns per Community ID ("1:" + base64 SHA-1 of the tuple) over 1024 tuples of a flow-record-like mix (IPv4
/// TCP/UDP mostly, some IPv6, ICMP, port-less): the scalar single-block SHA-1 one tuple at a time (today's flow
/// records, as UTF-8 and as the string FlowIds.CommunityId returns) against the multi-buffer batch (4 and 8 lanes) called
/// with 8, 64 or 1024 tuples at a time. Allocates nothing but the string variant's strings.
/// Run: <c>dotnet run -c Release --project bench/PcapStream.Benchmarks -- --filter '*CommunityIdBenchmarks*'</c>.
/// </summary>
[MemoryDiagnoser]
public class CommunityIdBenchmarks
{
    private const int Count = 1024;
    private CommunityIdTuple[] _tuples = [];
    private FlowKey[] _keys = [];
    private byte[] _text = [];

    [GlobalSetup]
    public void Setup()
    {
        var rng = new Random(1);
        _tuples = new CommunityIdTuple[Count];
        _keys = new FlowKey[Count];
        for (int i = 0; i < Count; i++)
        {
            var p = new DecodedPacket();
            p.Reset();
            int kind = rng.Next(100);
            bool v6 = kind >= 85;
            p.IpVersion = v6 ? (byte)6 : (byte)4;
            p.Src = v6 ? new IpAddress16((ulong)rng.NextInt64(), (ulong)rng.NextInt64()) : IpAddress16.FromIPv4((uint)rng.Next());
            p.Dst = v6 ? new IpAddress16((ulong)rng.NextInt64(), (ulong)rng.NextInt64()) : IpAddress16.FromIPv4((uint)rng.Next());
            if (kind % 15 == 0)
            {
                p.IpProto = v6 ? (byte)58 : (byte)1;
                p.HasIcmp = true;
                p.IcmpType = v6 ? (byte)128 : (byte)8;
            }
            else if (kind % 15 == 1)
            {
                p.IpProto = 47; // GRE: no ports
            }
            else
            {
                p.IpProto = kind % 3 == 0 ? (byte)17 : (byte)6;
                p.HasPorts = true;
                p.SrcPort = (ushort)rng.Next(1024, 65536);
                p.DstPort = (ushort)rng.Next(1, 1024);
            }
            FlowKey.FromPacket(in p, out _keys[i]);
            _tuples[i] = FlowIds.ToCommunityTuple(in _keys[i]);
        }
        _text = new byte[Count * CommunityId.Base64TextLength];
    }

    /// <summary>What a flow record costs today: FlowIds.CommunityId's scalar hash, base64 and string.</summary>
    [Benchmark(OperationsPerInvoke = Count)]
    public int ScalarString()
    {
        int n = 0;
        for (int i = 0; i < _keys.Length; i++)
        {
            n += FlowIds.CommunityId(_keys[i]).Length;
        }
        return n;
    }

    /// <summary>The scalar single-block hash one tuple at a time, into UTF-8 (the batch's forced-scalar path).</summary>
    [Benchmark(OperationsPerInvoke = Count, Baseline = true)]
    public void ScalarSingle() => CommunityId.FormatUtf8BatchCore(_tuples, _text, 0, lanes: 1);

    /// <summary>4 lanes: what runs without AVX2 (an older CPU, or a build for x86-64-v2).</summary>
    [Benchmark(OperationsPerInvoke = Count)]
    public void Lanes4Batch8() => Batch(8, 4);

    [Benchmark(OperationsPerInvoke = Count)]
    public void Lanes4Batch64() => Batch(64, 4);

    [Benchmark(OperationsPerInvoke = Count)]
    public void Lanes4Batch1024() => Batch(1024, 4);

    /// <summary>8 lanes: FormatUtf8Batch's choice where AVX2 is available (the JIT, or the AOT program built for it).</summary>
    [Benchmark(OperationsPerInvoke = Count)]
    public void Lanes8Batch8() => Batch(8, 8);

    [Benchmark(OperationsPerInvoke = Count)]
    public void Lanes8Batch64() => Batch(64, 8);

    [Benchmark(OperationsPerInvoke = Count)]
    public void Lanes8Batch1024() => Batch(1024, 8);

    private void Batch(int size, int lanes)
    {
        for (int i = 0; i < Count; i += size)
        {
            CommunityId.FormatUtf8BatchCore(_tuples.AsSpan(i, size), _text.AsSpan(i * CommunityId.Base64TextLength), 0, lanes);
        }
    }
}
