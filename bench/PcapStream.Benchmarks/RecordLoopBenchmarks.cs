using System.Buffers.Binary;
using BenchmarkDotNet.Attributes;
using PcapStream.Decoding;
using PcapStream.Readers;

namespace PcapStream.Benchmarks;

/// <summary>
/// The pcap record loop alone and with the decoder, per record, on the sealed <see cref="PcapReader"/> as the
/// commands use it: <c>dotnet run -c Release --project bench/PcapStream.Benchmarks -- --filter '*RecordLoopBenchmarks*'</c>.
/// The reader is opened once over a stream that replays the same records for ever, so an operation is only the
/// per-record work (buffer refills included): target 0 B allocated.
/// </summary>
[MemoryDiagnoser]
public class RecordLoopBenchmarks
{
    private const int RecordsPerInvoke = 4096;
    private PcapReader _reader = null!;
    private DecodedPacket _packet;

    [GlobalSetup]
    public void Setup()
    {
        // ~300-byte average frames like the benchmark capture: TCP of several sizes, UDP, an IPv6 one.
        var file = new MemoryStream();
        using (var writer = new PcapWriter(file, 1, nanosecond: false, ownsStream: false))
        {
            int[] tcpPayloads = [0, 0, 1200, 40, 1448, 0, 300, 90];
            for (int i = 0; i < 1024; i++)
            {
                byte[] frame = (i % 10) switch
                {
                    7 => Frame(0x0800, 17, 40000 + i, 53, 60),
                    9 => Frame(0x86DD, 6, 50000 + i, 443, 200),
                    _ => Frame(0x0800, 6, 50000 + i, 443, tcpPayloads[i % tcpPayloads.Length]),
                };
                writer.Write(1_700_000_000_000_000_000L + i * 1000L, frame);
            }
        }
        byte[] bytes = file.ToArray();
        _reader = (PcapReader)CaptureReader.Open(new ReplayStream(bytes, PcapReader.FileHeaderLength), "replay");
    }

    [GlobalCleanup]
    public void Cleanup() => _reader.Dispose();

    [Benchmark(Baseline = true, OperationsPerInvoke = RecordsPerInvoke)]
    public long Read()
    {
        long sum = 0;
        PcapReader reader = _reader;
        for (int i = 0; i < RecordsPerInvoke && reader.TryRead(out CaptureRecord record); i++)
        {
            sum += record.Data.Length + record.TimestampNanos;
        }
        return sum;
    }

    [Benchmark(OperationsPerInvoke = RecordsPerInvoke)]
    public long ReadAndDecode()
    {
        long sum = 0;
        PcapReader reader = _reader;
        for (int i = 0; i < RecordsPerInvoke && reader.TryRead(out CaptureRecord record); i++)
        {
            PacketDecoder.Decode(record.Data, record.LinkType, record.OriginalLength, ref _packet);
            sum += _packet.DstPort + _packet.PayloadLength;
        }
        return sum;
    }

    private static byte[] Frame(int etherType, byte protocol, int srcPort, int dstPort, int payload)
    {
        int transport = protocol == 6 ? 20 : 8;
        int ip = etherType == 0x0800 ? 20 : 40;
        byte[] f = new byte[14 + ip + transport + payload];
        BinaryPrimitives.WriteUInt16BigEndian(f.AsSpan(12), (ushort)etherType);
        Span<byte> h = f.AsSpan(14);
        if (etherType == 0x0800)
        {
            h[0] = 0x45;
            BinaryPrimitives.WriteUInt16BigEndian(h[2..], (ushort)(ip + transport + payload));
            h[8] = 64;
            h[9] = protocol;
            h[12] = 10;
            h[15] = 1;
            h[16] = 10;
            h[19] = 2;
        }
        else
        {
            h[0] = 0x60;
            BinaryPrimitives.WriteUInt16BigEndian(h[4..], (ushort)(transport + payload));
            h[6] = protocol;
            h[7] = 64;
            h[8] = 0x20;
            h[24] = 0x20;
        }
        Span<byte> t = h[ip..];
        BinaryPrimitives.WriteUInt16BigEndian(t, (ushort)srcPort);
        BinaryPrimitives.WriteUInt16BigEndian(t[2..], (ushort)dstPort);
        if (protocol == 6)
        {
            t[12] = 0x50;
            t[13] = 0x18;
        }
        else
        {
            BinaryPrimitives.WriteUInt16BigEndian(t[4..], (ushort)(8 + payload));
        }
        return f;
    }

    /// <summary>A pcap file whose records (from <c>recordsStart</c> on) repeat without end: reading never stops.</summary>
    private sealed class ReplayStream(byte[] file, int recordsStart) : Stream
    {
        private int _position;

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            int total = 0;
            while (total < buffer.Length)
            {
                if (_position == file.Length)
                {
                    _position = recordsStart;
                }
                int n = Math.Min(buffer.Length - total, file.Length - _position);
                file.AsSpan(_position, n).CopyTo(buffer[total..]);
                _position += n;
                total += n;
            }
            return total;
        }

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
