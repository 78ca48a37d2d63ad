using BenchmarkDotNet.Attributes;
using Parquet;
using Parquet.Schema;
using PcapStream.Decoding;
using PcapStream.Output;
using PcapStream.Readers;
using PcapStream.Sinks;
using PcapStream.Sinks.Parquet;

namespace PcapStream.Benchmarks;

/// <summary>
/// The packets sink per row: filling one 64 Ki-row row group from decoded packets and encoding it (pages,
/// levels, dictionaries, statistics, compression, footer) with PcapStream's writer, against Parquet.Net 6.1
/// writing the same 45 columns from arrays that are already filled (its encoding alone; the sink before this
/// writer also paid the filling). Packets are the first 64 Ki of the benchmark capture (BENCH_PCAP, default
/// /tmp/bench-1g.pcap, else ../shared/bench/source.pcap), decoded once in setup; Community IDs are shared strings
/// per flow, as the flow segments give them. The target is ~400 ns per row with compression and 0 B per row.
/// Run: <c>dotnet run -c Release --project bench/PcapStream.Benchmarks -- --filter '*PacketSinkBenchmarks*'</c>.
/// </summary>
[MemoryDiagnoser]
public class PacketSinkBenchmarks
{
    private const int Rows = 65_536;
    private readonly DecodedPacket[] _packets = new DecodedPacket[Rows];
    private readonly long[] _times = new long[Rows], _offsets = new long[Rows];
    private readonly string?[] _communityIds = new string?[Rows];
    private PacketRowBuffer _buffer = null!;
    private ParquetSchema _schema = null!;
    private Func<ParquetRowGroupWriter, Task>[] _columns = [];

    [Params("snappy", "zstd", "none")]
    public string Compression { get; set; } = "snappy";

    private Codec CodecOf => Compression switch { "zstd" => Codec.Zstd, "none" => Codec.Uncompressed, _ => Codec.Snappy };

    [GlobalSetup]
    public void Setup()
    {
        string path = Environment.GetEnvironmentVariable("BENCH_PCAP") ?? "/tmp/bench-1g.pcap";
        if (!File.Exists(path))
        {
            path = Path.Combine(AppContext.BaseDirectory, "../../../../../../shared/bench/source.pcap");
        }
        var interned = new Dictionary<string, string>(StringComparer.Ordinal);
        using (CaptureReader reader = CaptureReader.Open(path))
        {
            for (int i = 0; i < Rows; i++)
            {
                if (!reader.TryRead(out CaptureRecord record))
                {
                    throw new InvalidOperationException($"{path} holds fewer than {Rows} packets.");
                }
                PacketDecoder.Decode(record.Data, record.LinkType, record.OriginalLength, ref _packets[i]);
                _times[i] = record.TimestampNanos;
                _offsets[i] = record.FileOffset;
                string? id = CommunityId.Compute(_packets[i]);
                _communityIds[i] = id is null ? null : interned.TryGetValue(id, out string? shared) ? shared : interned[id] = id;
            }
        }
        _buffer = new PacketRowBuffer(Rows);
        _schema = BaselineSchema();
        _columns = BaselineColumns();
    }

    [Benchmark(OperationsPerInvoke = Rows)]
    public long FillAndEncode()
    {
        using var writer = new ParquetFileWriter(Stream.Null, PacketColumns.Columns, CodecOf, 1 << 20);
        for (int i = 0; i < Rows; i++)
        {
            _buffer.Add(_packets[i], _times[i], true, "sensor-1", "sensor-1/bench.pcap", _offsets[i], i + 1, _communityIds[i]);
        }
        _buffer.WriteRowGroup(writer);
        writer.Complete();
        return writer.Rows;
    }

    [Benchmark(OperationsPerInvoke = Rows)]
    public int FillOnly()
    {
        for (int i = 0; i < Rows; i++)
        {
            _buffer.Add(_packets[i], _times[i], true, "sensor-1", "sensor-1/bench.pcap", _offsets[i], i + 1, _communityIds[i]);
        }
        int n = _buffer.Count;
        _buffer.Clear();
        return n;
    }

    [Benchmark(OperationsPerInvoke = Rows, Baseline = true)]
    public async Task<long> ParquetNetEncodeOnly()
    {
        var options = new ParquetOptions { CompressionMethod = CodecOf == Codec.Zstd ? CompressionMethod.Zstd : CompressionMethod.Snappy };
        await using ParquetWriter writer = await ParquetWriter.CreateAsync(_schema, Stream.Null, options);
        using ParquetRowGroupWriter rg = writer.CreateRowGroup();
        foreach (Func<ParquetRowGroupWriter, Task> column in _columns)
        {
            await column(rg);
        }
        return Rows;
    }

    private static ParquetSchema BaselineSchema()
    {
        var fields = new List<Field>();
        foreach (ColumnDefinition c in PacketColumns.Columns)
        {
            fields.Add(c.Type switch
            {
                ColumnType.Timestamp => new DateTimeDataField(c.Name, DateTimeFormat.Timestamp, isAdjustedToUTC: false, DateTimeTimeUnit.Micros, isNullable: true),
                ColumnType.Int64 => c.Nullable ? new DataField<long?>(c.Name) : new DataField<long>(c.Name),
                ColumnType.Int32 => c.Nullable ? new DataField<int?>(c.Name) : new DataField<int>(c.Name),
                ColumnType.Boolean => new DataField<bool?>(c.Name),
                _ => new DataField<string>(c.Name, c.Nullable),
            });
        }
        return new ParquetSchema(fields);
    }

    // The packets' values through PacketColumns' getters, in the typed arrays the old sink passed.
    private Func<ParquetRowGroupWriter, Task>[] BaselineColumns()
    {
        var columns = new Func<ParquetRowGroupWriter, Task>[PacketColumns.Count];
        Span<byte> id = stackalloc byte[CommunityId.MaxTextLength];
        for (int c = 0; c < columns.Length; c++)
        {
            ColumnDefinition def = PacketColumns.Columns[c];
            DataField field = _schema.DataFields[c];
            var longs = new long?[Rows];
            var ints = new int?[Rows];
            var times = new DateTime?[Rows];
            var bools = new bool?[Rows];
            var texts = new ReadOnlyMemory<char>?[Rows];
            for (int i = 0; i < Rows; i++)
            {
                var record = new CaptureRecord { TimestampNanos = _times[i], HasTimestamp = true, FileOffset = _offsets[i], FrameNumber = i + 1 };
                int n = CommunityId.TryFormatUtf8(_packets[i], id);
                PacketRow row = PacketRow.From(record, in _packets[i], "sensor-1", "sensor-1/bench.pcap", id[..Math.Max(0, n)]);
                bool has = PacketColumns.TryGetInt64(c, in row, out long v);
                longs[i] = has ? v : null;
                ints[i] = has ? (int)v : null;
                times[i] = has && def.Type == ColumnType.Timestamp ? DateTime.UnixEpoch.AddTicks(v * 10) : null;
                bools[i] = PacketColumns.TryGetBoolean(c, in row, out bool b) ? b : null;
                texts[i] = def.Type == ColumnType.String ? PacketColumns.GetString(c, in row)?.AsMemory() : null;
            }
            long[] required = Array.ConvertAll(longs, x => x.GetValueOrDefault());
            int[] requiredInts = Array.ConvertAll(ints, x => x.GetValueOrDefault());
            columns[c] = (def.Type, def.Nullable) switch
            {
                (ColumnType.Timestamp, _) => rg => rg.WriteAsync<DateTime>(field, times.AsMemory(), null, null, default),
                (ColumnType.Int64, true) => rg => rg.WriteAsync<long>(field, longs.AsMemory(), null, null, default),
                (ColumnType.Int64, false) => rg => rg.WriteAsync<long>(field, required.AsMemory(), null, null, default),
                (ColumnType.Int32, true) => rg => rg.WriteAsync<int>(field, ints.AsMemory(), null, null, default),
                (ColumnType.Int32, false) => rg => rg.WriteAsync<int>(field, requiredInts.AsMemory(), null, null, default),
                (ColumnType.Boolean, _) => rg => rg.WriteAsync<bool>(field, bools.AsMemory(), null, null, default),
                _ => rg => rg.WriteAsync<ReadOnlyMemory<char>>(field, texts.AsMemory(), null, null, default),
            };
        }
        return columns;
    }
}
