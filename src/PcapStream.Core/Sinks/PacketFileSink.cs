using System.Collections.Concurrent;
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
    private readonly CancellationToken _cancel;
    private long _lastHour = long.MinValue;
    private Partition? _last;

    // At most this many partitions hold a row buffer at once. A file's packets are in time order, so they move
    // from one hour to the next; a straggler from the previous hour still finds its buffer. When a third hour
    // needs a buffer, the least recently used one is written out as a (shorter) row group and handed over:
    // memory per file stays bounded whatever the number of hours it spans.
    private const int MaxBufferedPartitions = 2;
    private long _useClock;

    private sealed class Partition
    {
        public PacketRowBuffer? Buffer { get; set; }
        public PartFile? File { get; set; }
        public long LastUse { get; set; }
    }

    public PacketFileSink(string output, long batch, int fileIndex, SinkOptions options, ConcurrentBag<PacketRowBuffer> pool,
        CancellationToken cancel)
    {
        _output = output;
        _batch = batch;
        _fileIndex = fileIndex;
        _options = options;
        _pool = pool;
        _cancel = cancel;
    }

    /// <summary>Rows written so far.</summary>
    public long Rows { get; private set; }

    /// <summary>Adds one packet row; writes a row group when its partition's buffer is full.</summary>
    public void Add(in DecodedPacket packet, long timestampNanos, bool hasTimestamp, string sensor, string file, long fileOffset,
        long frameNumber, string? communityId)
    {
        long hour = DatasetLayout.HourOf(timestampNanos);
        Partition partition = hour == _lastHour && _last!.Buffer is not null ? _last : Find(hour);
        partition.Buffer!.Add(packet, timestampNanos, hasTimestamp, sensor, file, fileOffset, frameNumber, communityId);
        Rows++;
        if (partition.Buffer.IsFull)
        {
            Flush(hour, partition);
        }
    }

    /// <summary>Writes what is buffered, completes (renames) every part file, and returns their final paths.</summary>
    public Task<List<string>> CompleteAsync()
    {
        var paths = new List<string>(_partitions.Count);
        foreach ((long hour, Partition partition) in _partitions)
        {
            if (partition.Buffer is { Count: > 0 })
            {
                Flush(hour, partition);
            }
            if (partition.File is not null)
            {
                partition.File.Complete();
                paths.Add(partition.File.FinalPath);
            }
        }
        return Task.FromResult(paths);
    }

    private Partition Find(long hour)
    {
        if (!_partitions.TryGetValue(hour, out Partition? partition))
        {
            partition = new Partition();
            _partitions.Add(hour, partition);
        }
        if (partition.Buffer is null)
        {
            partition.Buffer = TakeBuffer();
        }
        partition.LastUse = ++_useClock;
        _lastHour = hour;
        _last = partition;
        return partition;
    }

    private PacketRowBuffer TakeBuffer()
    {
        int buffered = 0;
        long oldestHour = 0;
        Partition? oldest = null;
        foreach ((long h, Partition p) in _partitions)
        {
            if (p.Buffer is null)
            {
                continue;
            }
            buffered++;
            if (oldest is null || p.LastUse < oldest.LastUse)
            {
                (oldest, oldestHour) = (p, h);
            }
        }
        if (buffered >= MaxBufferedPartitions && oldest is not null)
        {
            if (oldest.Buffer!.Count > 0)
            {
                Flush(oldestHour, oldest);
            }
            PacketRowBuffer reused = oldest.Buffer;
            oldest.Buffer = null;
            return reused;
        }
        return _pool.TryTake(out PacketRowBuffer? buffer) ? buffer : new PacketRowBuffer(_options.PacketRowGroupRows);
    }

    private void Flush(long hour, Partition partition)
    {
        _cancel.ThrowIfCancellationRequested();
        partition.File ??= PartFile.Create(DatasetLayout.PartitionDirectory(_output, DatasetLayout.Packets, hour),
            DatasetLayout.PartName(_batch, _fileIndex), Output.PacketColumns.Columns, _options);
        partition.Buffer!.WriteRowGroup(partition.File.Writer);
        FaultInjection.Pause("row-group");
    }

    /// <summary>Returns the buffers to the pool and removes unfinished temporary files.</summary>
    public ValueTask DisposeAsync()
    {
        foreach (Partition partition in _partitions.Values)
        {
            partition.File?.Dispose();
            if (partition.Buffer is not null)
            {
                partition.Buffer.Clear();
                _pool.Add(partition.Buffer);
            }
        }
        _partitions.Clear();
        return ValueTask.CompletedTask;
    }
}
