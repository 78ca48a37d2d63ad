using System.Runtime.CompilerServices;
using PcapStream.Decoding;

namespace PcapStream.Flows;

/// <summary>
/// What one capture file saw of each flow. Built independently per file (in parallel); stitched in file order
/// by <see cref="FlowStitcher"/>. Add the file's packets in file order.
/// <para>
/// How exactness across files works: a key's packets from its first packet in the file up to its first idle
/// gap (the "head run") may continue a flow of an earlier file, whose start, originator and close state only
/// the stitcher knows. The builder counts every packet in its own table as a single pass would, assuming the
/// key is new (a speculative result), and also keeps the head run as a compact log (32 bytes per packet). The
/// stitcher replays the log only for the keys it still holds a flow (or a continuation) of: for every other key
/// the replay would start from nothing and give exactly the builder's result, which it takes as is. Most keys of
/// a file are new, so stitching costs a scan of the log plus the few flows that really cross a file boundary.
/// After an idle gap a flow is certainly new: flows the builder ends after it are final either way.
/// </para>
/// </summary>
public sealed partial class FileFlowBuilder : IFlowSink
{
    private const int LogChunkBits = 15, LogChunkSize = LogEntry.ChunkSize;

    // Table and fragment cache come from BuilderPool and go back when the file is complete.
    private readonly FlowTable _table;
    private readonly FragmentTracker _fragments;
    // Per segment (key index): our own arrays, grown by doubling (no List<struct>: its code would be JIT-compiled
    // at start-up, ReadyToRun cannot precompile BCL generics over this assembly's structs). From BuilderPool; the
    // stitcher hands them back (FileFlowSegments.Release).
    private SegmentInfo[] _segments;
    private string?[] _communityIds;
    private int _segmentCount;
    // The head-run log in fixed chunks: appending never copies what is already logged.
    private LogEntry[][] _log = [LogChunkPool.Rent()];
    private int _logCount;
    private EndedEntry[] _ended = EndedArrayPool.Rent();
    private int _endedCount;
    private long _watermark = long.MinValue;
    private long _nextSweep = long.MinValue;
    private bool _done;

    /// <param name="settings">Timeouts and limits.</param>
    /// <param name="file">The file's path under the input root (goes into <see cref="FlowRecord.Files"/>).</param>
    public FileFlowBuilder(FlowSettings settings, string file)
    {
        File = file ?? throw new ArgumentNullException(nameof(file));
        ArgumentNullException.ThrowIfNull(settings);
        _table = BuilderPool.RentTable(settings, this);
        _fragments = BuilderPool.RentFragments();
        BuilderPool.RentSegments(out _segments, out _communityIds);
    }

    /// <summary>The file being built.</summary>
    public string File { get; }

    /// <summary>
    /// Adds one decoded packet. Returns the index of the segment it was counted in (use it with
    /// <see cref="CommunityIdOf"/> to label the packet), or -1 for packets that belong to no flow (no IP).
    /// Allocates nothing per packet (the log grows by chunks).
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
        return Count(key, key.Hash(), FlowPacket.From(packet, timestampNanos, dir));
    }

    /// <summary>
    /// Adds one captured frame. The common Ethernet frames (IPv4 TCP/UDP, IPv6 TCP: <see cref="FlowFastPath"/>) go
    /// from their bytes straight to the flow table; only when <paramref name="decode"/> is false are they left
    /// undecoded, and then only <paramref name="packet"/>.Anomaly is set (to None: those frames are exactly ones the
    /// decoder decodes without anomaly). Every other frame, and every frame when <paramref name="decode"/> is true
    /// (the caller writes packet rows), is decoded into <paramref name="packet"/> and added as by <see cref="Add(in DecodedPacket, long)"/>.
    /// Returns the segment index, or -1 (no flow). The flows are the same either way.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public int Add(ReadOnlySpan<byte> frame, int linkType, int wireLength, long timestampNanos, ref DecodedPacket packet, bool decode)
    {
        if (!decode && linkType == 1 &&
            FlowFastPath.TryEthernet(frame, wireLength, timestampNanos, out FlowKey key, out int hash, out FlowPacket p))
        {
            ObjectDisposedException.ThrowIf(_done, this);
            packet.Anomaly = Anomaly.None;
            return Count(key, hash, p);
        }
        PacketDecoder.Decode(frame, linkType, wireLength, ref packet);
        return Add(packet, timestampNanos);
    }

    /// <summary>Counts one packet: a single pass's rules in the builder's table, plus the head-run log.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private int Count(in FlowKey key, int hash, in FlowPacket p)
    {
        long t = p.Time;
        if (t > _watermark)
        {
            _watermark = t;
            if (t >= _nextSweep)
            {
                _table.Sweep(t);
                _nextSweep = t + 1_000_000_000L;
            }
        }
        int slot = _table.Find(key, hash);
        if (slot < 0)
        {
            // A key not (or no longer) in the table: a new segment whose head run starts here.
            slot = _table.InsertAt(~slot, key, hash, t);
            int tag = NewSegment(key, hash);
            ref FlowEntry n = ref _table[slot];
            n.Tag = tag;
            n.HeadLast = t;
            Log(tag, p);
            _table.Start(slot, p, continuation: false);
            return tag;
        }
        // The head-run state is in the entry (Tag >= 0: in the head run; HeadLast), not looked up per segment.
        ref FlowEntry e = ref _table[slot];
        int segment = e.Tag;
        if (segment >= 0)
        {
            if (t - e.HeadLast > _table.IdleOf(key))
            {
                // The head run ends at its first idle gap: any earlier flow of the key, the builder's or one of an
                // earlier file, has ended by now, so from here on the builder's flows are final. Ending the
                // speculative flow still counts as head-run (the sink files it as speculative).
                _table.ContinueOrRestart(slot, p);
                _table[slot].Tag = ~segment;
                return segment;
            }
            if (t > e.HeadLast)
            {
                e.HeadLast = t;
            }
            Log(segment, p);
            _table.CountIn(slot, p);
            return segment;
        }
        _table.CountIn(slot, p);
        return ~segment;
    }

    private int NewSegment(in FlowKey key, int hash)
    {
        if (_segmentCount == _segments.Length)
        {
            var grown = new SegmentInfo[_segments.Length * 2];
            for (int i = 0; i < _segmentCount; i++)
            {
                grown[i] = _segments[i];
            }
            _segments = grown;
            Array.Resize(ref _communityIds, grown.Length);
        }
        int tag = _segmentCount++;
        _segments[tag] = new SegmentInfo { Key = key, Hash = hash };
        return tag;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void Log(int keyIndex, in FlowPacket p)
    {
        int chunk = _logCount >> LogChunkBits;
        if (chunk == _log.Length)
        {
            Array.Resize(ref _log, _log.Length * 2);
        }
        LogEntry[] entries = _log[chunk] ??= LogChunkPool.Rent();
        ref LogEntry le = ref entries[_logCount & (LogChunkSize - 1)];
        le.Key = keyIndex;
        le.Packet = p;
        _logCount++;
    }

    /// <summary>Community ID v1 (seed 0) of the segment returned by <see cref="Add(in DecodedPacket, long)"/>; computed once per segment.</summary>
    public string CommunityIdOf(int segment) =>
        _communityIds[segment] ??= FlowIds.CommunityId(_segments[segment].Key);

    // Marks a segment queued in ComputeCommunityIds (never a Community ID: those start with "1:").
    private static readonly string s_pending = new('\0', 1);

    /// <summary>
    /// Computes the Community IDs of <paramref name="segments"/> that have none yet, in groups
    /// (<see cref="CommunityIdGroup"/>), so the <see cref="CommunityIdOf"/> calls that follow find them. Repeated
    /// segments are computed once.
    /// </summary>
    internal void ComputeCommunityIds(ReadOnlySpan<int> segments)
    {
        var group = new CommunityIdGroup(stackalloc Decoding.CommunityIdTuple[CommunityIdGroup.Size],
            stackalloc byte[CommunityIdGroup.Size * CommunityIdGroup.TextLength]);
        Span<int> which = stackalloc int[CommunityIdGroup.Size];
        foreach (int segment in segments)
        {
            if (segment < 0 || _communityIds[segment] is not null)
            {
                continue;
            }
            _communityIds[segment] = s_pending;
            which[group.Count] = segment;
            if (group.Add(_segments[segment].Key))
            {
                StoreCommunityIds(ref group, which);
            }
        }
        StoreCommunityIds(ref group, which);
    }

    private void StoreCommunityIds(ref CommunityIdGroup group, ReadOnlySpan<int> which)
    {
        group.Hash();
        for (int i = 0; i < group.Count; i++)
        {
            _communityIds[which[i]] = System.Text.Encoding.ASCII.GetString(group.TextOf(i));
        }
        group.Clear();
    }

    /// <summary>Ends the file: returns its segments. The builder cannot be used afterwards.</summary>
    public FileFlowSegments Complete()
    {
        ObjectDisposedException.ThrowIf(_done, this);
        _done = true;
        int open = 0;
        for (int slot = 0; slot < _table.Count; slot++)
        {
            if (_table[slot].Mode is EntryMode.Flow or EntryMode.Continuing)
            {
                open++;
            }
        }
        // In expiry-list order (oldest last packet first), so the stitcher's lists stay ordered when it appends
        // them and its sweep (which stops at the first live head) ends them on time; then any unlisted one.
        var opens = new OpenEntry[open];
        open = 0;
        for (int list = 0; list < FlowTable.ListEnded; list++)
        {
            for (int slot = _table.HeadOf(list); slot >= 0; slot = _table.NextOf(slot))
            {
                open = AddOpen(opens, open, slot);
            }
        }
        for (int slot = 0; slot < _table.Count && open < opens.Length; slot++)
        {
            if (_table[slot].List >= FlowTable.ListEnded)
            {
                open = AddOpen(opens, open, slot);
            }
        }
        long evicted = _table.EvictedCount;
        // The table is done with (the open flows are copied out): the next file's builder takes it.
        BuilderPool.Return(_table, _fragments);
        BuilderPool.NoteSegments(_segmentCount);
        EndedArrayPool.NoteCount(_endedCount);
        return new FileFlowSegments(File, _segments, _communityIds, _segmentCount, _log, _logCount, _ended, _endedCount, opens,
            _watermark, evicted);
    }

    private int AddOpen(OpenEntry[] opens, int n, int slot)
    {
        ref FlowEntry e = ref _table[slot];
        if (e.Mode is EntryMode.Flow or EntryMode.Continuing)
        {
            opens[n++] = new OpenEntry(Normalised(e), e.Tag >= 0);
        }
        return n;
    }

    void IFlowSink.Ended(FlowTable table, ref FlowEntry entry, EndReason reason)
    {
        if (_endedCount == _ended.Length)
        {
            var grown = new EndedEntry[_ended.Length * 2];
            for (int i = 0; i < _endedCount; i++)
            {
                grown[i] = _ended[i];
            }
            _ended = grown;
        }
        _ended[_endedCount++] = new EndedEntry(Normalised(entry), reason, entry.Tag >= 0);
    }

    /// <summary>An entry as the stitcher reads it: Tag is the segment index whether or not the head run ended.</summary>
    private static FlowEntry Normalised(in FlowEntry entry)
    {
        FlowEntry e = entry;
        if (e.Tag < 0)
        {
            e.Tag = ~e.Tag;
        }
        return e;
    }
}

/// <summary>One segment (distinct key of a file): its key and hash (its head-run state is in its table entry).</summary>
internal struct SegmentInfo
{
    public FlowKey Key;
    public int Hash;
}

/// <summary>One replayable packet of a head run.</summary>
internal struct LogEntry
{
    /// <summary>Entries per log chunk.</summary>
    public const int ChunkSize = 1 << 15;


    public int Key;
    public FlowPacket Packet;
}

/// <summary>A flow the builder ended, with its reason; Speculative when it ended inside its key's head run.</summary>
internal readonly record struct EndedEntry(FlowEntry Entry, EndReason Reason, bool Speculative);

/// <summary>A flow open at the end of the file; Speculative when its key is still in its head run.</summary>
internal readonly record struct OpenEntry(FlowEntry Entry, bool Speculative);
