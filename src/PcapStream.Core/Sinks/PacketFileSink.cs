using System.Collections.Concurrent;
using Parquet;
using PcapStream.Decoding;
using PcapStream.Streaming;

namespace PcapStream.Sinks;

/// <summary>
/// Writes the <c>packets</c> rows of ONE capture file of a batch: one part file per hour partition the file's
/// packets fall in (partitioned by packet time), named part-&lt;batch&gt;-&lt;fileIndex&gt;.parquet, row groups of
/// <see cref="SinkOptions.PacketRowGroupRows"/>. Used by one thread.
/// </summary>
internal sealed class PacketFileSink : IAsyncDisposable
{
    private readonly string _output;
    private readonly long _batch;
    private readonly int _fileIndex;
    private readonly SinkOptions _options;
    private readonly ConcurrentBag<PacketRowBuffer> _pool;
    private readonly Dictionary<long, Partition> _partitions = [];
    private readonly AddressTextCache _addresses;
    private readonly CancellationToken _cancel;
    private long _lastHour = long.MinValue;
    private Partition? _last;

    private sealed class Partition(PacketRowBuffer buffer)
    {
        public PacketRowBuffer Buffer { get; } = buffer;
        public PartFile? File { get; set; }
    }

    public PacketFileSink(string output, long batch, int fileIndex, SinkOptions options, ConcurrentBag<PacketRowBuffer> pool,
        AddressTextCache addresses, CancellationToken cancel)
    {
        _output = output;
        _batch = batch;
        _fileIndex = fileIndex;
        _options = options;
        _pool = pool;
        _addresses = addresses;
        _cancel = cancel;
    }

    /// <summary>Rows written so far.</summary>
    public long Rows { get; private set; }

    /// <summary>Adds one packet row; writes a row group when its partition's buffer is full.</summary>
    public void Add(in DecodedPacket packet, long timestampNanos, string sensor, string file, long fileOffset, long frameNumber, string? communityId)
    {
        long hour = DatasetLayout.HourOf(timestampNanos);
        Partition partition = hour == _lastHour ? _last! : Find(hour);
        partition.Buffer.Add(packet, timestampNanos, sensor, file, fileOffset, frameNumber, communityId, _addresses);
        Rows++;
        if (partition.Buffer.IsFull)
        {
            FlushAsync(hour, partition).GetAwaiter().GetResult();
        }
    }

    /// <summary>Writes what is buffered, completes (renames) every part file, and returns their final paths.</summary>
    public async Task<List<string>> CompleteAsync()
    {
        var paths = new List<string>(_partitions.Count);
        foreach ((long hour, Partition partition) in _partitions)
        {
            if (partition.Buffer.Count > 0)
            {
                await FlushAsync(hour, partition);
            }
            if (partition.File is not null)
            {
                await partition.File.CompleteAsync();
                paths.Add(partition.File.FinalPath);
            }
        }
        return paths;
    }

    private Partition Find(long hour)
    {
        if (!_partitions.TryGetValue(hour, out Partition? partition))
        {
            if (!_pool.TryTake(out PacketRowBuffer? buffer))
            {
                buffer = new PacketRowBuffer(_options.PacketRowGroupRows);
            }
            partition = new Partition(buffer);
            _partitions.Add(hour, partition);
        }
        _lastHour = hour;
        _last = partition;
        return partition;
    }

    private async Task FlushAsync(long hour, Partition partition)
    {
        _cancel.ThrowIfCancellationRequested();
        partition.File ??= await PartFile.CreateAsync(DatasetLayout.PartitionDirectory(_output, DatasetLayout.Packets, hour),
            DatasetLayout.PartName(_batch, _fileIndex), PacketSchema.Schema, _options.Parquet, _cancel);
        await partition.Buffer.WriteRowGroupAsync(partition.File.Writer, _cancel);
        FaultInjection.Pause("row-group");
    }

    /// <summary>Returns the buffers to the pool and removes unfinished temporary files.</summary>
    public async ValueTask DisposeAsync()
    {
        foreach (Partition partition in _partitions.Values)
        {
            if (partition.File is not null)
            {
                await partition.File.DisposeAsync();
            }
            partition.Buffer.Clear();
            _pool.Add(partition.Buffer);
        }
        _partitions.Clear();
    }
}
