namespace PcapStream.Flows;

/// <summary>The flow segments of one file (opaque to callers; consumed by <see cref="FlowStitcher"/>).</summary>
public sealed partial class FileFlowSegments
{
    internal FileFlowSegments(string file, SegmentInfo[] segments, string?[] communityIds, int count, LogEntry[][] log,
        int logCount, EndedEntry[] ended, int endedCount, OpenEntry[] open, long lastPacketNanos, long evicted)
    {
        File = file;
        Segments = segments;
        CommunityIds = communityIds;
        Count = count;
        Log = log;
        LogCount = logCount;
        Ended = ended;
        EndedCount = endedCount;
        Open = open;
        LastPacketNanos = lastPacketNanos;
        Evicted = evicted;
    }

    /// <summary>The file these segments came from.</summary>
    public string File { get; }

    /// <summary>Number of segments (flow keys seen in the file; a key whose flow ended and came back counts again).</summary>
    public int Count { get; }

    /// <summary>Packets kept for replay (head runs) — an upper bound of what stitching replays.</summary>
    public int LoggedPackets => LogCount;

    /// <summary>Latest packet time in the file (ns), or long.MinValue for a file without IP packets.</summary>
    public long LastPacketNanos { get; }

    /// <summary>Head-run packets the stitcher actually replayed (keys it held a flow of); set by <see cref="FlowStitcher.Add"/>.</summary>
    public int ReplayedPackets { get; internal set; }

    /// <summary>Per segment: key and hash (valid 0 .. Count-1); the head-run state lives in the table entry.</summary>
    internal SegmentInfo[] Segments { get; private set; }

    /// <summary>Community IDs the builder already computed (for packet rows), by segment; null where not computed.</summary>
    internal string?[] CommunityIds { get; private set; }

    /// <summary>The head-run log in chunks of 2^15 entries (empty once stitched: the chunks went back to the pool).</summary>
    internal LogEntry[][] Log { get; private set; }

    /// <summary>True once a stitcher has consumed these segments (they can be stitched once).</summary>
    internal bool Stitched { get; private set; }

    /// <summary>
    /// Marks the segments consumed and hands the log chunks, the ended array and the segment arrays back for the
    /// next file's builder (so the file's builder must no longer be asked for Community IDs: the packet rows of a
    /// file are written before its segments are stitched).
    /// </summary>
    internal void Release()
    {
        Stitched = true;
        LogEntry[][] log = Log;
        Log = [];
        LogChunkPool.Return(log);
        EndedArrayPool.Return(Ended);
        Ended = [];
        BuilderPool.ReturnSegments(Segments, CommunityIds, Count);
        Segments = [];
        CommunityIds = [];
    }
    internal int LogCount { get; }
    internal EndedEntry[] Ended { get; private set; }
    internal int EndedCount { get; }
    internal OpenEntry[] Open { get; }
    internal long Evicted { get; }
}
