using PcapStream.Decoding;

namespace PcapStream.Flows;

/// <summary>
/// What one capture file saw of each flow. Built independently per file (in parallel); stitched in file order
/// by <see cref="FlowStitcher"/>. Add the file's packets in file order.
/// <para>
/// How exactness across files works: a key's packets from its first packet in the file up to its first idle
/// gap (the "head run") may continue a flow of an earlier file, whose start, originator and close state only
/// the stitcher knows; they are kept as a compact log (28 bytes per packet plus a key index) that the stitcher
/// replays through the same flow rules as a single pass. After an idle gap a flow is certainly new, so the
/// builder aggregates it itself: flows it ends are final; the one open at the end of the file is handed over.
/// </para>
/// </summary>
public sealed partial class FileFlowBuilder : IFlowSink
{
    private readonly FlowTable _table;
    private readonly FragmentTracker _fragments = new();
    private readonly List<FlowKey> _keys = [];
    private readonly List<string?> _communityIds = [];
    private LogEntry[] _log = new LogEntry[1024];
    private int _logCount;
    private readonly List<EndedEntry> _completed = [];
    private long _watermark = long.MinValue;
    private long _nextSweep = long.MinValue;
    private bool _done;

    /// <param name="settings">Timeouts and limits.</param>
    /// <param name="file">The file's path under the input root (goes into <see cref="FlowRecord.Files"/>).</param>
    public FileFlowBuilder(FlowSettings settings, string file)
    {
        File = file ?? throw new ArgumentNullException(nameof(file));
        _table = new FlowTable(settings, this);
    }

    /// <summary>The file being built.</summary>
    public string File { get; }

    /// <summary>
    /// Adds one decoded packet. Returns the index of the segment it was counted in (use it with
    /// <see cref="CommunityIdOf"/> to label the packet), or -1 for packets that belong to no flow (no IP).
    /// Allocates nothing per packet (the log grows by doubling).
    /// </summary>
    public int Add(in DecodedPacket packet, long timestampNanos)
    {
        ObjectDisposedException.ThrowIf(_done, this);
        int dir = FlowKey.FromPacket(packet, out FlowKey key);
        if (dir < 0)
        {
            return -1;
        }
        if (packet.IsFragment)
        {
            dir = _fragments.Resolve(packet, timestampNanos, dir, ref key);
        }
        if (timestampNanos > _watermark)
        {
            _watermark = timestampNanos;
            if (timestampNanos >= _nextSweep)
            {
                _table.Sweep(timestampNanos);
                _nextSweep = timestampNanos + 1_000_000_000L;
            }
        }
        FlowPacket p = FlowPacket.From(packet, timestampNanos, dir);
        int hash = key.Hash();
        int slot = _table.Find(key, hash);
        if (slot < 0)
        {
            slot = _table.Insert(key, hash, timestampNanos);
            ref FlowEntry fresh = ref _table[slot];
            fresh.Mode = EntryMode.Head;
            fresh.Tag = _keys.Count;
            fresh.Last = timestampNanos;
            _keys.Add(key);
            _communityIds.Add(null);
            Log(fresh.Tag, p);
            _table.MoveToTail(slot, FlowTable.ListOf(key));
            return fresh.Tag;
        }
        ref FlowEntry e = ref _table[slot];
        switch (e.Mode)
        {
            case EntryMode.Head when timestampNanos - e.Last <= _table.IdleOf(key):
                Log(e.Tag, p);
                if (timestampNanos > e.Last)
                {
                    e.Last = timestampNanos;
                }
                _table.MoveToTail(slot, FlowTable.ListOf(key));
                break;
            case EntryMode.Head:
            case EntryMode.HeadEnded:
                // After an idle gap any earlier flow of this key has ended: this one is certainly new.
                _table.Start(slot, p, continuation: false);
                break;
            default:
                _table.ContinueOrRestart(slot, p);
                break;
        }
        return e.Tag;
    }

    private void Log(int keyIndex, in FlowPacket p)
    {
        if (_logCount == _log.Length)
        {
            // Uninitialised: the log reaches ~10 MB per 100 MB file and every slot is written before it is read,
            // so zeroing each doubling (memset + page faults) was pure waste.
            LogEntry[] grown = GC.AllocateUninitializedArray<LogEntry>(_log.Length * 2);
            _log.AsSpan().CopyTo(grown);
            _log = grown;
        }
        _log[_logCount++] = new LogEntry { Key = keyIndex, Packet = p };
    }

    /// <summary>Community ID v1 (seed 0) of the segment returned by <see cref="Add"/>; computed once per segment.</summary>
    public string CommunityIdOf(int segment) =>
        _communityIds[segment] ??= FlowIds.CommunityId(_keys[segment]);

    /// <summary>Ends the file: returns its segments. The builder cannot be used afterwards.</summary>
    public FileFlowSegments Complete()
    {
        ObjectDisposedException.ThrowIf(_done, this);
        _done = true;
        var open = new List<FlowEntry>();
        for (int slot = 0; slot < _table.Count; slot++)
        {
            ref FlowEntry e = ref _table[slot];
            if (e.Mode is EntryMode.Flow or EntryMode.Continuing)
            {
                open.Add(e);
            }
        }
        var keys = new FlowKey[_keys.Count];
        _keys.CopyTo(keys);
        return new FileFlowSegments(File, keys, _log, _logCount, _completed, open, _watermark, _table.EvictedCount);
    }

    void IFlowSink.Ended(FlowTable table, ref FlowEntry entry, EndReason reason) =>
        _completed.Add(new EndedEntry(entry, reason));
}

/// <summary>One replayable packet of a head run.</summary>
internal struct LogEntry
{
    public int Key;
    public FlowPacket Packet;
}

/// <summary>A flow the builder ended (final), with its reason.</summary>
internal readonly record struct EndedEntry(FlowEntry Entry, EndReason Reason);

/// <summary>The flow segments of one file (opaque to callers; consumed by <see cref="FlowStitcher"/>).</summary>
public sealed partial class FileFlowSegments
{
    internal FileFlowSegments(string file, FlowKey[] keys, LogEntry[] log, int logCount, List<EndedEntry> completed,
        List<FlowEntry> open, long lastPacketNanos, long evicted)
    {
        File = file;
        Keys = keys;
        Log = log;
        LogCount = logCount;
        Completed = completed;
        Open = open;
        LastPacketNanos = lastPacketNanos;
        Evicted = evicted;
    }

    /// <summary>The file these segments came from.</summary>
    public string File { get; }

    /// <summary>Number of segments (distinct flow keys seen in the file).</summary>
    public int Count => Keys.Length;

    /// <summary>Packets kept for replay (head runs) — a measure of what stitching costs.</summary>
    public int LoggedPackets => LogCount;

    /// <summary>Latest packet time in the file (ns), or long.MinValue for a file without IP packets.</summary>
    public long LastPacketNanos { get; }

    internal FlowKey[] Keys { get; }
    internal LogEntry[] Log { get; }
    internal int LogCount { get; }
    internal List<EndedEntry> Completed { get; }
    internal List<FlowEntry> Open { get; }
    internal long Evicted { get; }
}
