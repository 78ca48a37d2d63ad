using Parquet;

namespace PcapStream.Sinks;

/// <summary>How the Parquet sinks write.</summary>
public sealed record SinkOptions
{
    /// <summary>
    /// Rows per packets row group. 128 Ki rows is ~45 MB of column buffers per open partition per core; large
    /// enough for good compression and pruning, small enough that memory stays bounded whatever the input size.
    /// </summary>
    public int PacketRowGroupRows { get; init; } = TestRowGroupRows ?? 131_072;

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
    };
}
