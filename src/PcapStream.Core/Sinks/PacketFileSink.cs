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
    public void Add(in DecodedPacket packet, long timestampNanos, bool hasTimestamp, string sensor, string file, long fileOffset,
        long frameNumber, string? communityId)
    {
        long hour = DatasetLayout.HourOf(timestampNanos);
        Partition partition = hour == _lastHour && _last!.Buffer is not null ? _last : Find(hour);
        partition.Buffer!.Add(packet, timestampNanos, hasTimestamp, sensor, file, fileOffset, frameNumber, communityId, _addresses);
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
            if (partition.Buffer is { Count: > 0 })
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
                FlushAsync(oldestHour, oldest).GetAwaiter().GetResult();
            }
            PacketRowBuffer reused = oldest.Buffer;
            oldest.Buffer = null;
            return reused;
        }
        return _pool.TryTake(out PacketRowBuffer? buffer) ? buffer : new PacketRowBuffer(_options.PacketRowGroupRows);
    }

    private async Task FlushAsync(long hour, Partition partition)
    {
        _cancel.ThrowIfCancellationRequested();
        partition.File ??= await PartFile.CreateAsync(DatasetLayout.PartitionDirectory(_output, DatasetLayout.Packets, hour),
            DatasetLayout.PartName(_batch, _fileIndex), PacketRowBuffer.Schema, _options.Parquet, _cancel);
        await partition.Buffer!.WriteRowGroupAsync(partition.File.Writer, _cancel);
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
            if (partition.Buffer is not null)
            {
                partition.Buffer.Clear();
                _pool.Add(partition.Buffer);
            }
        }
        _partitions.Clear();
    }
}
