using Parquet;

namespace PcapStream.Sinks;

/// <summary>How the Parquet sinks write.</summary>
public sealed record SinkOptions
{
    /// <summary>
    /// Rows per packets row group. 64 Ki rows is ~31 MB of column buffers (about 480 B a row across the 45 typed
    /// columns) per buffered partition, at most two per decoding core: memory stays bounded whatever the input
    /// size, and a row group is still 3-5 MB compressed, large enough for good compression and pruning.
    /// </summary>
    public int PacketRowGroupRows { get; init; } = TestRowGroupRows ?? 65_536;

    // Crash tests shrink row groups so a small capture has several Parquet writes to be killed in.
    private static int? TestRowGroupRows =>
        int.TryParse(Environment.GetEnvironmentVariable("PCAPSTREAM_TEST_PACKET_ROW_GROUP"), out int rows) && rows > 0 ? rows : null;

    /// <summary>Rows per flows row group.</summary>
    public int FlowRowGroupRows { get; init; } = 262_144;

    /// <summary>False turns the packets dataset off (flows only).</summary>
    public bool WritePackets { get; init; } = true;

    /// <summary>Compression codec: snappy (default: 1.6x faster end to end than zstd in bench/ingest.sh) or zstd (smaller).</summary>
    public CompressionMethod Compression { get; init; } = CompressionMethod.Snappy;

    internal ParquetOptions Parquet => new()
    {
        CompressionMethod = Compression,
        // Fastest level: the job must keep up with the capture; zstd's fastest level still beats snappy on size.
        CompressionLevel = System.IO.Compression.CompressionLevel.Fastest,
        // Parquet.Net pools its page streams without limit by default ("indistinguishable from a memory leak",
        // its own docs say): cap what the pool keeps between row groups.
        MaximumSmallPoolFreeBytes = 16 << 20,
        MaximumLargePoolFreeBytes = 64 << 20,
    };
}
