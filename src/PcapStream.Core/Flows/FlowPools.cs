namespace PcapStream.Flows;

/// <summary>
/// Head-run log chunks (1 MiB each) shared by the per-file builders: a file's log is ~10 MB per 100 MB of capture,
/// and taking it fresh for every file cost page faults, zeroing and full collections (large-object heap). The
/// stitcher hands a file's chunks back once it has read them; at most <see cref="MaxPooled"/> are kept.
/// </summary>
internal static class LogChunkPool
{
    /// <summary>Chunks kept at most (48 MiB): enough for the files of a batch in flight on a few cores.</summary>
    public const int MaxPooled = 48;

    private static readonly Lock s_lock = new();
    private static readonly LogEntry[][] s_free = new LogEntry[MaxPooled][];
    private static int s_count;

    /// <summary>A chunk of <see cref="LogEntry.ChunkSize"/> entries; a pooled one holds stale entries (every slot is written before it is read).</summary>
    public static LogEntry[] Rent()
    {
        lock (s_lock)
        {
            if (s_count > 0)
            {
                LogEntry[] chunk = s_free[--s_count];
                s_free[s_count] = null!;
                return chunk;
            }
        }
        return new LogEntry[LogEntry.ChunkSize];
    }

    /// <summary>Takes back the chunks of a consumed log (the caller must not use them afterwards).</summary>
    public static void Return(LogEntry[][] chunks)
    {
        lock (s_lock)
        {
            foreach (LogEntry[]? chunk in chunks)
            {
                if (chunk is null || s_count == MaxPooled)
                {
                    break;
                }
                s_free[s_count++] = chunk;
            }
        }
    }
}

/// <summary>
/// The per-file builders' arrays of ended flows (~170 B per flow, a few MB per 100 MB file), recycled like the log
/// chunks: the stitcher hands a file's array back once read; a builder starts with any pooled one (files of a
/// stream are alike in size, so it rarely grows; a new one is sized for the last file's count). At most
/// <see cref="MaxPooled"/> are kept.
/// </summary>
internal static class EndedArrayPool
{
    public const int MaxPooled = 4;

    private static readonly Lock s_lock = new();
    private static readonly EndedEntry[][] s_free = new EndedEntry[MaxPooled][];
    private static int s_count;
    private static int s_hint;

    /// <summary>Notes how many flows a file's builder ended: new arrays are sized for it (growing copies them).</summary>
    public static void NoteCount(int count) => Volatile.Write(ref s_hint, count);

    /// <summary>A pooled array (stale contents: entries are written before they are read), or a new one sized from the last file.</summary>
    public static EndedEntry[] Rent()
    {
        lock (s_lock)
        {
            if (s_count > 0)
            {
                EndedEntry[] array = s_free[--s_count];
                s_free[s_count] = null!;
                return array;
            }
        }
        int hint = Volatile.Read(ref s_hint);
        return new EndedEntry[hint <= 256 ? 256 : (int)Math.Min(1 << 28, System.Numerics.BitOperations.RoundUpToPowerOf2((uint)hint + (uint)(hint >> 3)))];
    }

    /// <summary>Takes back an array the caller no longer uses.</summary>
    public static void Return(EndedEntry[] array)
    {
        lock (s_lock)
        {
            if (s_count < MaxPooled)
            {
                s_free[s_count++] = array;
            }
        }
    }
}

/// <summary>
/// The rest of a per-file builder's memory, recycled across files so a steady job allocates nothing per file:
/// its flow table (entries, expiry links, index: ~180 B per concurrent flow), its fragment cache, and its
/// per-segment arrays (key and hash, Community ID slots: ~70 B per distinct key). Taken fresh for every file they
/// cost page faults on first touch, the GC's zeroing and full collections (large-object heap): measured ~52 B per
/// packet. A table goes back when its builder completes; the segment arrays when the stitcher has consumed them.
/// New arrays are sized from the last file (files of a stream are alike), so a builder rarely grows them.
/// </summary>
internal static class BuilderPool
{
    /// <summary>Of each kind kept at most: the files of a batch in flight on a few cores.</summary>
    public const int MaxPooled = 4;

    /// <summary>Tables larger than this (slots) are not kept: a rare huge file must not pin its memory.</summary>
    public const int MaxPooledTableCapacity = 1 << 18;

    private const int MinSegments = 1024;

    private static readonly Lock s_lock = new();
    private static readonly FlowTable[] s_tables = new FlowTable[MaxPooled];
    private static readonly FragmentTracker[] s_fragments = new FragmentTracker[MaxPooled];
    private static readonly SegmentInfo[][] s_segments = new SegmentInfo[MaxPooled][];
    private static readonly string?[][] s_communityIds = new string?[MaxPooled][];
    private static int s_tableCount, s_fragmentCount, s_segmentCount;
    private static int s_segmentHint;

    /// <summary>An empty table for <paramref name="settings"/> ending flows into <paramref name="sink"/>: a pooled one when its settings are equal.</summary>
    public static FlowTable RentTable(FlowSettings settings, IFlowSink sink)
    {
        FlowTable? table = null;
        lock (s_lock)
        {
            if (s_tableCount > 0)
            {
                table = s_tables[--s_tableCount];
                s_tables[s_tableCount] = null!;
            }
        }
        if (table is null || !table.Settings.Equals(settings))
        {
            return new FlowTable(settings, sink);
        }
        table.Reset(sink);
        return table;
    }

    /// <summary>A fragment cache with nothing remembered.</summary>
    public static FragmentTracker RentFragments()
    {
        lock (s_lock)
        {
            if (s_fragmentCount > 0)
            {
                FragmentTracker tracker = s_fragments[--s_fragmentCount];
                s_fragments[s_fragmentCount] = null!;
                return tracker;
            }
        }
        return new FragmentTracker();
    }

    /// <summary>Takes back a completed builder's table and fragment cache (the caller must not use them afterwards).</summary>
    public static void Return(FlowTable table, FragmentTracker fragments)
    {
        fragments.Reset();
        lock (s_lock)
        {
            if (s_tableCount < MaxPooled && table.Capacity <= MaxPooledTableCapacity)
            {
                s_tables[s_tableCount++] = table;
            }
            if (s_fragmentCount < MaxPooled)
            {
                s_fragments[s_fragmentCount++] = fragments;
            }
        }
    }

    /// <summary>
    /// Per-segment arrays of equal length: a pooled pair (stale segment entries, written before read; Community
    /// IDs all null), or new ones sized for the last file's segment count.
    /// </summary>
    public static void RentSegments(out SegmentInfo[] segments, out string?[] communityIds)
    {
        lock (s_lock)
        {
            if (s_segmentCount > 0)
            {
                segments = s_segments[--s_segmentCount];
                communityIds = s_communityIds[s_segmentCount];
                s_segments[s_segmentCount] = null!;
                s_communityIds[s_segmentCount] = null!;
                return;
            }
        }
        int n = (int)Math.Min(1 << 30, System.Numerics.BitOperations.RoundUpToPowerOf2((uint)Math.Max(MinSegments, Volatile.Read(ref s_segmentHint))));
        segments = new SegmentInfo[n];
        communityIds = new string?[n];
    }

    /// <summary>Notes a file's segment count: new arrays are sized for it.</summary>
    public static void NoteSegments(int count) => Volatile.Write(ref s_segmentHint, count);

    /// <summary>Takes back consumed segment arrays; the first <paramref name="count"/> Community IDs are cleared here.</summary>
    public static void ReturnSegments(SegmentInfo[] segments, string?[] communityIds, int count)
    {
        if (segments.Length != communityIds.Length)
        {
            return;
        }
        Array.Clear(communityIds, 0, count);
        lock (s_lock)
        {
            if (s_segmentCount < MaxPooled)
            {
                s_segments[s_segmentCount] = segments;
                s_communityIds[s_segmentCount++] = communityIds;
            }
        }
    }
}
