using System.Runtime.ExceptionServices;
using PcapStream.Flows;

namespace PcapStream.Sinks;

/// <summary>
/// The flows parts of one batch, encoded while the batch is still being decoded where that is safe to guess, the
/// rest across the cores at the end. The stitcher's ended flows are grouped into parts (stream, hour of the first
/// packet) as each file is stitched. An hour whose end lies further behind the stream's latest packet time than
/// any flow can last (active timeout + idle timeout + margin) will get no more flows in practice, so its part is
/// handed to one background writer then, while the decoders are still busy. The guess never decides the output:
/// <see cref="Finish"/> (re)writes every part whose file does not hold all of its rows, so each part's bytes are
/// those of its rows in the stitcher's order, whatever the timing. Parts are written under temporary names and
/// renamed as before; nothing is committed here, and a failed batch's parts are removed by the caller (after
/// <see cref="Dispose"/> has stopped the background writer).
/// </summary>
internal sealed class FlowBatchWriter : IDisposable
{
    private readonly string _output;
    private readonly long _batch;
    private readonly SinkOptions _options;
    private readonly int _parallelism;
    private readonly long _sealLag;
    private readonly CancellationTokenSource _stop;
    private readonly Dictionary<int, Stream> _streams = [];
    // The background writer: one dedicated thread, started with the first early part. Not a thread-pool task: the
    // decoders occupy the pool's threads, and a queued task waited ~0.5 s for the pool to add a thread.
    private readonly System.Collections.Concurrent.BlockingCollection<(FlowPart Part, FlowRecord[] Rows)> _queue = [];
    private Thread? _thread;
    private Exception? _error;
    private bool _finishing;

    /// <param name="output">The output folder.</param>
    /// <param name="batch">The batch id (part names).</param>
    /// <param name="options">Row-group and page sizes, codec.</param>
    /// <param name="parallelism">Parts encoded at once by <see cref="Finish"/>.</param>
    /// <param name="sealLagNanos">How far (packet time) an hour must lie behind a stream's latest packet for its part
    /// to be written early; negative: never (all parts at <see cref="Finish"/>).</param>
    /// <param name="cancel">Cancels the batch.</param>
    public FlowBatchWriter(string output, long batch, SinkOptions options, int parallelism, long sealLagNanos, CancellationToken cancel)
    {
        _output = output;
        _batch = batch;
        _options = options;
        _parallelism = parallelism;
        _sealLag = sealLagNanos;
        _stop = CancellationTokenSource.CreateLinkedTokenSource(cancel);
    }

    /// <summary>
    /// The lag after which an hour's part is written early: no flow record lasts longer than the active timeout
    /// (then it is cut), and one is ended at most an idle timeout (plus the close grace) after its last packet; ten
    /// minutes more cover packets a little out of order. -1 (never early) without an active timeout.
    /// </summary>
    public static long SealLagNanos(FlowSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        if (settings.ActiveTimeout <= TimeSpan.Zero)
        {
            return -1;
        }
        TimeSpan idle = settings.TcpIdleTimeout;
        if (settings.UdpIdleTimeout > idle)
        {
            idle = settings.UdpIdleTimeout;
        }
        if (settings.IcmpIdleTimeout > idle)
        {
            idle = settings.IcmpIdleTimeout;
        }
        TimeSpan lag = settings.ActiveTimeout + idle + settings.TcpCloseGrace + TimeSpan.FromMinutes(10);
        return lag.Ticks * 100;
    }

    /// <summary>
    /// Called on the stitching thread after a file of stream <paramref name="streamIndex"/> was stitched:
    /// groups the flows it ended (appended to <paramref name="ended"/>) and hands the parts of hours now far
    /// enough behind <paramref name="watermarkNanos"/> to the background writer.
    /// </summary>
    public void Stitched(int streamIndex, List<FlowRecord> ended, long watermarkNanos)
    {
        Stream s = Index(streamIndex, ended);
        if (_sealLag < 0 || watermarkNanos == long.MinValue || _queue.IsAddingCompleted || Volatile.Read(ref _error) is not null)
        {
            return;
        }
        long sealedBefore = DatasetLayout.HourOf(watermarkNanos - _sealLag);
        foreach ((long hour, FlowPart part) in s.Parts)
        {
            if (hour >= sealedBefore)
            {
                break;
            }
            if (part.Queued)
            {
                continue;
            }
            part.Queued = true;
            // The rows so far, copied: the stitching thread may still append to the part's list (then Finish
            // writes the part again with all of them).
            _queue.Add((part, [.. part.Flows]));
            if (_thread is null)
            {
                _thread = new Thread(WriteEarly) { IsBackground = true, Name = "pcapstream flows writer" };
                _thread.Start();
            }
        }
    }

    private void WriteEarly()
    {
        foreach ((FlowPart part, FlowRecord[] rows) in _queue.GetConsumingEnumerable())
        {
            if (_stop.IsCancellationRequested || Volatile.Read(ref _error) is not null || Volatile.Read(ref _finishing))
            {
                continue; // drain: the batch failed or is cancelled, or Finish writes what is left across the cores
            }
            try
            {
                FlowSink.WritePart(_output, _batch, part, rows, _options, _stop.Token);
            }
            catch (Exception e)
            {
                Interlocked.CompareExchange(ref _error, e, null);
            }
        }
    }

    /// <summary>Waits until the parts handed to the background writer so far are written, and rethrows its failure.</summary>
    internal void WaitForEarlyParts()
    {
        Drain();
        if (_error is not null)
        {
            ExceptionDispatchInfo.Throw(_error);
        }
    }

    // No more early parts; waits until the background writer is done with the queued ones.
    private void Drain()
    {
        if (!_queue.IsAddingCompleted)
        {
            _queue.CompleteAdding();
        }
        _thread?.Join();
    }

    /// <summary>
    /// Groups the streams' remaining ended flows, waits for the part the background writer is writing, and writes
    /// every part not written with all its rows (queued ones included), across the cores. Returns the batch's flows part files, by stream (in the given
    /// order) then hour.
    /// </summary>
    public List<string> Finish(IReadOnlyList<FlowSink.StreamFlows> streams)
    {
        ArgumentNullException.ThrowIfNull(streams);
        var order = new List<Stream>(streams.Count);
        foreach ((int streamIndex, IReadOnlyList<FlowRecord> flows) in streams)
        {
            order.Add(Index(streamIndex, flows));
        }
        // Parts still queued are left to the parallel write below; only the one being written is waited for.
        Volatile.Write(ref _finishing, true);
        WaitForEarlyParts();
        var pending = new List<FlowPart>();
        foreach (Stream s in order)
        {
            foreach (FlowPart part in s.Parts.Values)
            {
                if (part.WrittenRows != part.Flows.Count)
                {
                    pending.Add(part);
                }
            }
        }
        FlowSink.WriteParts(_output, _batch, pending, _options, _parallelism, _stop.Token);
        var paths = new List<string>();
        foreach (Stream s in order)
        {
            foreach (FlowPart part in s.Parts.Values)
            {
                paths.Add(part.Path!);
            }
        }
        return paths;
    }

    /// <summary>Stops the background writer and waits for it (a failed batch: its files are the caller's to remove).</summary>
    public void Dispose()
    {
        _stop.Cancel();
        Drain();
        _stop.Dispose();
        _queue.Dispose();
    }

    // Files the flows appended to the stream's list since the last call under their parts.
    private Stream Index(int streamIndex, IReadOnlyList<FlowRecord> ended)
    {
        if (!_streams.TryGetValue(streamIndex, out Stream? s))
        {
            _streams.Add(streamIndex, s = new Stream());
        }
        for (int i = s.Indexed; i < ended.Count; i++)
        {
            FlowRecord flow = ended[i];
            long hour = DatasetLayout.HourOf(flow.FirstSeenNanos);
            if (s.Last is null || s.Last.Hour != hour)
            {
                if (!s.Parts.TryGetValue(hour, out FlowPart? part))
                {
                    s.Parts.Add(hour, part = new FlowPart(streamIndex, hour));
                }
                s.Last = part;
            }
            s.Last.Flows.Add(flow);
        }
        s.Indexed = ended.Count;
        return s;
    }

    private sealed class Stream
    {
        public SortedDictionary<long, FlowPart> Parts { get; } = [];
        public FlowPart? Last { get; set; }
        public int Indexed { get; set; }
    }
}
