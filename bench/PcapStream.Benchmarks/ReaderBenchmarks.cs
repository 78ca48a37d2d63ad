using System.Buffers.Binary;
using BenchmarkDotNet.Attributes;
using PcapStream.Readers;

namespace PcapStream.Benchmarks;

/// <summary>
/// Reader hot loop over a generated capture of realistic packet sizes (mix of 60/ 66-byte ACKs, ~300-byte and
/// 1514-byte frames, ~300 bytes average) held in a temp file (page cache) or in memory. Allocated bytes per op are
/// the same for every <see cref="Packets"/> count: the reader allocates per file (its buffer), never per packet.
/// <c>dotnet run -c Release --project bench/PcapStream.Benchmarks -- --filter '*ReaderBenchmarks*'</c>
/// </summary>
[MemoryDiagnoser]
public class ReaderBenchmarks
{
    private string _pcapPath = "";
    private string _pcapNgPath = "";
    private byte[] _pcap = [];

    [Params(10_000, 100_000)]
    public int Packets { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _pcapPath = Path.Combine(Path.GetTempPath(), $"pcapstream-bench-{Packets}.pcap");
        _pcapNgPath = Path.Combine(Path.GetTempPath(), $"pcapstream-bench-{Packets}.pcapng");
        Random random = new(42);
        using (MemoryStream ms = new())
        {
            using (PcapWriter writer = new(ms, 1, nanosecond: true, ownsStream: false))
            {
                byte[] packet = new byte[1514];
                random.NextBytes(packet);
                for (int i = 0; i < Packets; i++)
                {
                    writer.Write(1_700_000_000_000_000_000L + i * 1000L, packet.AsSpan(0, Size(random)));
                }
            }
            _pcap = ms.ToArray();
        }
        File.WriteAllBytes(_pcapPath, _pcap);
        File.WriteAllBytes(_pcapNgPath, ToPcapNg(_pcap));
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        File.Delete(_pcapPath);
        File.Delete(_pcapNgPath);
    }

    /// <summary>Sizes as on a typical enterprise link: many ACKs, some mid-size, a tail of full frames; mean ≈ 300.</summary>
    private static int Size(Random random) => random.Next(100) switch
    {
        < 45 => 66,
        < 80 => 200 + random.Next(200),
        < 95 => 500 + random.Next(300),
        _ => 1514,
    };

    [Benchmark(Baseline = true)]
    public long PcapFile() => ReadAll(CaptureReader.Open(_pcapPath));

    [Benchmark]
    public long PcapNgFile() => ReadAll(CaptureReader.Open(_pcapNgPath));

    [Benchmark]
    public long PcapMemory() => ReadAll(CaptureReader.Open(new MemoryStream(_pcap, writable: false), "mem"));

    private static long ReadAll(CaptureReader reader)
    {
        long sum = 0;
        using (reader)
        {
            while (reader.TryRead(out CaptureRecord r))
            {
                // Touch what a decoder would: length, timestamp, first byte.
                sum += r.CapturedLength + r.TimestampNanos + (r.Data.Length > 0 ? r.Data[0] : 0);
            }
        }
        return sum;
    }

    /// <summary>Same packets as one little-endian pcapng section with one nanosecond interface and EPBs.</summary>
    private static byte[] ToPcapNg(byte[] pcap)
    {
        using MemoryStream ms = new();
        Span<byte> b = stackalloc byte[32];
        // SHB (28 bytes)
        BinaryPrimitives.WriteUInt32LittleEndian(b, 0x0A0D0D0A);
        BinaryPrimitives.WriteUInt32LittleEndian(b[4..], 28);
        BinaryPrimitives.WriteUInt32LittleEndian(b[8..], 0x1A2B3C4D);
        BinaryPrimitives.WriteUInt32LittleEndian(b[12..], 1);
        BinaryPrimitives.WriteInt64LittleEndian(b[16..], -1);
        BinaryPrimitives.WriteUInt32LittleEndian(b[24..], 28);
        ms.Write(b[..28]);
        // IDB with if_tsresol = 9 (32 bytes)
        b.Clear();
        BinaryPrimitives.WriteUInt32LittleEndian(b, 1);
        BinaryPrimitives.WriteUInt32LittleEndian(b[4..], 32);
        BinaryPrimitives.WriteUInt16LittleEndian(b[8..], 1);
        BinaryPrimitives.WriteUInt16LittleEndian(b[16..], 9);
        BinaryPrimitives.WriteUInt16LittleEndian(b[18..], 1);
        b[20] = 9;
        BinaryPrimitives.WriteUInt32LittleEndian(b[28..], 32);
        ms.Write(b);
        for (int p = 24; p + 16 <= pcap.Length;)
        {
            ulong ts = BinaryPrimitives.ReadUInt32LittleEndian(pcap.AsSpan(p)) * 1_000_000_000UL + BinaryPrimitives.ReadUInt32LittleEndian(pcap.AsSpan(p + 4));
            int cap = BinaryPrimitives.ReadInt32LittleEndian(pcap.AsSpan(p + 8));
            int padded = (cap + 3) & ~3;
            int length = 32 + padded;
            b.Clear();
            BinaryPrimitives.WriteUInt32LittleEndian(b, 6);
            BinaryPrimitives.WriteInt32LittleEndian(b[4..], length);
            BinaryPrimitives.WriteUInt32LittleEndian(b[12..], (uint)(ts >> 32));
            BinaryPrimitives.WriteUInt32LittleEndian(b[16..], (uint)ts);
            BinaryPrimitives.WriteInt32LittleEndian(b[20..], cap);
            BinaryPrimitives.WriteInt32LittleEndian(b[24..], cap);
            ms.Write(b[..28]);
            ms.Write(pcap.AsSpan(p + 16, cap));
            ms.Write(new byte[padded - cap]);
            BinaryPrimitives.WriteInt32LittleEndian(b, length);
            ms.Write(b[..4]);
            p += 16 + cap;
        }
        return ms.ToArray();
    }
}
