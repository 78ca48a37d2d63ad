using Parquet;
using PcapStream.Sinks.Parquet;

namespace PcapStream.Sinks;

/// <summary>How the Parquet sinks write.</summary>
public sealed record SinkOptions
{
    /// <summary>
    /// Rows per packets row group. 64 Ki rows is ~15 MB of column buffers (about 230 B a row across the 45
    /// columns: dense values, a level byte per nullable column, a dictionary index per string) per buffered
    /// partition, at most two per decoding core: memory stays bounded whatever the input size, and a row group
    /// is still 2-4 MB compressed, large enough for good compression and pruning.
    /// </summary>
    public int PacketRowGroupRows { get; init; } = TestRowGroupRows ?? 65_536;

    // Crash tests shrink row groups so a small capture has several Parquet writes to be killed in.
    private static int? TestRowGroupRows =>
        int.TryParse(Environment.GetEnvironmentVariable("PCAPSTREAM_TEST_PACKET_ROW_GROUP"), out int rows) && rows > 0 ? rows : null;

    /// <summary>Rows per flows row group.</summary>
    public int FlowRowGroupRows { get; init; } = 262_144;

    /// <summary>Target uncompressed size of a data page in bytes (1 MiB; smaller pages only cost headers).</summary>
    public int PageBytes { get; init; } = 1 << 20;

    /// <summary>False turns the packets dataset off (flows only).</summary>
    public bool WritePackets { get; init; } = true;

    /// <summary>
    /// Compression codec: snappy (default: faster end to end) or zstd (smaller, level 1), or none. The type is
    /// Parquet.Net's enum only because the command line already maps names to it; the writer is PcapStream's own.
    /// </summary>
    public CompressionMethod Compression { get; init; } = CompressionMethod.Snappy;

    internal Codec Codec => Compression switch
    {
        CompressionMethod.Snappy => Codec.Snappy,
        CompressionMethod.Zstd => Codec.Zstd,
        CompressionMethod.None => Codec.Uncompressed,
        _ => throw new NotSupportedException($"compression {Compression} is not supported (snappy, zstd or none)."),
    };
}
