namespace PcapStream.Flows;

/// <summary>
/// Stitches per-file segments of ONE capture stream, in file order, into flows; carries open flows between
/// files and batches. Stitching segments gives exactly the flows a single pass over the concatenated capture
/// gives (<see cref="FlowTracker"/>), eviction aside: head runs are replayed through the same flow table, flows
/// the builder ended are final, and a builder's open flow replaces the key's earlier flow, which by construction
/// ended at its own deadline before it.
/// </summary>
public sealed partial class FlowStitcher
{
    private readonly FlowTable _table;
    private readonly FlowRecordSink _sink;
    private readonly List<string> _files;
    private readonly string _sensor;
    private long _watermark = long.MinValue;
    private long _nextSweep = long.MinValue;
    private bool[] _replay = [];

    /// <param name="settings">Timeouts and limits (must match the builders').</param>
    /// <param name="sensor">The capture stream's name (the <c>sensor</c> column; part of the flow id).</param>
    /// <param name="state">Open flows carried from the previous batch, or null for a new stream.</param>
    public FlowStitcher(FlowSettings settings, string sensor, FlowState? state = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        _sensor = sensor ?? throw new ArgumentNullException(nameof(sensor));
        _files = state is null ? [] : [.. state.Files];
        _sink = new FlowRecordSink(sensor, _files);
        _table = new FlowTable(settings, _sink, Math.Max(1 << 14, (state?.Entries.Length ?? 0) + 1));
        if (state is not null)
        {
            _watermark = state.WatermarkNanos;
            _nextSweep = state.WatermarkNanos;
            state.Restore(_table);
        }
    }

    /// <summary>Number of open flows.</summary>
    public int OpenFlows => _table.Count;

    /// <summary>Flows ended early because a table (the stitcher's or a builder's) was full.</summary>
    public long Evicted { get; private set; }

    /// <summary>Latest packet time seen on the stream (ns).</summary>
    public long WatermarkNanos => _watermark;

    /// <summary>Adds the next file of the stream; flows that ended are appended to <paramref name="ended"/>.</summary>
    public void Add(FileFlowSegments segments, List<FlowRecord> ended)
    {
        ArgumentNullException.ThrowIfNull(segments);
        ArgumentNullException.ThrowIfNull(ended);
        if (segments.Stitched)
        {
            throw new InvalidOperationException($"the flow segments of {segments.File} were already stitched");
        }
        _sink.Output = ended;
        int fileIndex = _files.Count;
        _files.Add(segments.File);
        _table.CurrentFile = fileIndex;
        long evictedBefore = _table.EvictedCount;

        // 1. Which head runs to replay: those of keys the stream holds a flow (or a continuation) of. Decided for
        //    every segment before anything changes, so all segments of one key get the same answer. For any other
        //    key the replay would start from nothing and give exactly the builder's speculative flows.
        int count = segments.Count;
        SegmentInfo[] infos = segments.Segments;
        if (_replay.Length < count)
        {
            _replay = new bool[Math.Max(count, _replay.Length * 2)];
        }
        bool[] replay = _replay;
        bool any = false;
        for (int i = 0; i < count; i++)
        {
            bool r = _table.Count != 0 && _table.Find(infos[i].Key, infos[i].Hash) >= 0;
            replay[i] = r;
            any |= r;
        }

        // 2. Those head runs, in file order, through the same rules as a single pass (the watermark follows every
        //    logged packet, as it would in one pass).
        int replayed = 0;
        LogEntry[][] log = segments.Log;
        int logCount = segments.LogCount;
        for (int c = 0, start = 0; start < logCount; c++, start += LogEntry.ChunkSize)
        {
            LogEntry[] chunk = log[c];
            int n = Math.Min(LogEntry.ChunkSize, logCount - start);
            for (int i = 0; i < n; i++)
            {
                ref LogEntry le = ref chunk[i];
                long t = le.Packet.Time;
                if (t > _watermark)
                {
                    _watermark = t;
                    if (t >= _nextSweep)
                    {
                        _table.Sweep(t);
                        _nextSweep = t + 1_000_000_000L;
                    }
                }
                if (any && replay[le.Key])
                {
                    ref SegmentInfo s = ref infos[le.Key];
                    _table.Update(s.Key, s.Hash, le.Packet);
                    replayed++;
                }
            }
        }
        segments.ReplayedPackets = replayed;

        // 3. Flows the builder ended are final, the speculative ones unless their head run was replayed.
        EndedEntry[] endedEntries = segments.Ended;
        string?[] communityIds = segments.CommunityIds;
        for (int i = 0; i < segments.EndedCount; i++)
        {
            ref readonly EndedEntry c = ref endedEntries[i];
            if (c.Speculative && replay[c.Entry.Tag])
            {
                continue;
            }
            FlowEntry e = c.Entry;
            e.FirstFile = e.LastFile = fileIndex;
            e.FileCount = 1;
            ended.Add(_sink.Record(e, c.Reason, null, communityIds[e.Tag]));
        }

        // 4. The builder's open flows take over their keys (any earlier flow of the key is past its deadline), the
        //    speculative ones unless their head run was replayed.
        foreach (OpenEntry o in segments.Open)
        {
            if (o.Speculative && replay[o.Entry.Tag])
            {
                continue;
            }
            FlowEntry open = o.Entry;
            int slot = _table.Count != 0 ? _table.Find(open.Key, open.Hash) : -1;
            if (slot >= 0)
            {
                ref FlowEntry old = ref _table[slot];
                if (old.Mode == EntryMode.Flow)
                {
                    _table.Deadline(old, out EndReason reason);
                    _sink.Ended(_table, ref old, reason);
                }
                _table.Remove(slot);
            }
            slot = _table.Insert(open.Key, open.Hash, open.Last);
            ref FlowEntry e = ref _table[slot];
            e = open;
            e.FirstFile = e.LastFile = fileIndex;
            e.FileCount = 1;
            e.List = 255;
            _table.MoveToTail(slot, e.IsClosed && e.Mode == EntryMode.Flow ? FlowTable.ListClosed : FlowTable.ListOf(e.Key));
        }

        segments.Release();

        if (segments.LastPacketNanos > _watermark)
        {
            _watermark = segments.LastPacketNanos;
        }
        _table.Sweep(_watermark);
        Evicted += segments.Evicted + (_table.EvictedCount - evictedBefore);
    }

    /// <summary>
    /// Ends open flows that are idle at packet time <paramref name="nowNanos"/> (used when a stream has gone
    /// quiet: the job passes the last packet time plus the wall-clock time elapsed since the stream's last file).
    /// </summary>
    public void ExpireIdle(long nowNanos, List<FlowRecord> ended)
    {
        _sink.Output = ended;
        _table.SweepAll(nowNanos);
    }

    /// <summary>Ends every open flow with <see cref="EndReason.Eof"/> (end of a one-shot run); flows already past their deadline keep their own reason.</summary>
    public void Flush(List<FlowRecord> ended)
    {
        _sink.Output = ended;
        _table.FlushAll(_watermark);
    }

    /// <summary>The open flows, to be saved with the batch commit and restored into the next batch's stitcher.</summary>
    public FlowState SaveState() => FlowState.Capture(_table, _files, _watermark);
}
