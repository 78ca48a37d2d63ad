using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using System.Numerics;

namespace PcapStream.Flows;

/// <summary>
/// At most a fixed number of reusable objects, shared by threads: the one mechanism behind the pools below (a lock
/// around a small stack; taken a few times per file, never per packet).
/// </summary>
internal sealed class BoundedPool<T>(int capacity)
{
    private readonly Lock _lock = new();
    private readonly T[] _free = new T[capacity];
    private int _count;

    /// <summary>A kept object, or false when there is none.</summary>
    public bool TryRent([MaybeNullWhen(false)] out T item)
    {
        lock (_lock)
        {
            if (_count > 0)
            {
                item = _free[--_count];
                _free[_count] = default!;
                return true;
            }
        }
        item = default;
        return false;
    }

    /// <summary>Keeps <paramref name="item"/> if there is room; false when the pool is full (the item is dropped).</summary>
    public bool Return(T item)
    {
        lock (_lock)
        {
            if (_count < _free.Length)
            {
                _free[_count++] = item;
                return true;
            }
        }
        return false;
    }
}

/// <summary>
/// Head-run log chunks (1 MiB each) shared by the per-file builders: a file's log is ~10 MB per 100 MB of capture,
/// and taking it fresh for every file cost page faults, zeroing and full collections (large-object heap). The
/// stitcher hands a file's chunks back once it has read them; at most <see cref="MaxPooled"/> are kept.
/// </summary>
internal static class LogChunkPool
{
    /// <summary>Chunks kept at most (48 MiB): enough for the files of a batch in flight on a few cores.</summary>
    public const int MaxPooled = 48;

    private static readonly BoundedPool<LogEntry[]> s_free = new(MaxPooled);

    /// <summary>A chunk of <see cref="LogEntry.ChunkSize"/> entries; a pooled one holds stale entries (every slot is written before it is read).</summary>
    public static LogEntry[] Rent() => s_free.TryRent(out LogEntry[]? chunk) ? chunk : new LogEntry[LogEntry.ChunkSize];

    /// <summary>Takes back the chunks of a consumed log (the caller must not use them afterwards).</summary>
    public static void Return(LogEntry[][] chunks)
    {
        foreach (LogEntry[]? chunk in chunks)
        {
            if (chunk is null || !s_free.Return(chunk))
            {
                break;
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

    private static readonly BoundedPool<EndedEntry[]> s_free = new(MaxPooled);
    private static int s_hint;

    /// <summary>Notes how many flows a file's builder ended: new arrays are sized for it (growing copies them).</summary>
    public static void NoteCount(int count) => Volatile.Write(ref s_hint, count);

    /// <summary>A pooled array (stale contents: entries are written before they are read), or a new one sized from the last file.</summary>
    public static EndedEntry[] Rent()
    {
        if (s_free.TryRent(out EndedEntry[]? array))
        {
            return array;
        }
        return new EndedEntry[BuilderPool.SizeFor(Volatile.Read(ref s_hint), 256, 1 << 28)];
    }

    /// <summary>Takes back an array the caller no longer uses.</summary>
    public static void Return(EndedEntry[] array) => s_free.Return(array);
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

    private static readonly BoundedPool<FlowTable> s_tables = new(MaxPooled);
    private static readonly BoundedPool<FragmentTracker> s_fragments = new(MaxPooled);
    private static readonly BoundedPool<(SegmentInfo[] Segments, string?[] CommunityIds)> s_segments = new(MaxPooled);
    private static int s_segmentHint;

    /// <summary>An empty table for <paramref name="settings"/> ending flows into <paramref name="sink"/>: a pooled one when its settings are equal.</summary>
    public static FlowTable RentTable(FlowSettings settings, IFlowSink sink)
    {
        if (!s_tables.TryRent(out FlowTable? table) || !table.Settings.Equals(settings))
        {
            return new FlowTable(settings, sink);
        }
        table.Reset(sink);
        return table;
    }

    /// <summary>A fragment cache with nothing remembered.</summary>
    public static FragmentTracker RentFragments() => s_fragments.TryRent(out FragmentTracker? tracker) ? tracker : new FragmentTracker();

    /// <summary>Takes back a completed builder's table and fragment cache (the caller must not use them afterwards).</summary>
    public static void Return(FlowTable table, FragmentTracker fragments)
    {
        fragments.Reset();
        if (table.Capacity <= MaxPooledTableCapacity)
        {
            s_tables.Return(table);
        }
        s_fragments.Return(fragments);
    }

    /// <summary>
    /// Per-segment arrays of equal length: a pooled pair (stale segment entries, written before read; Community
    /// IDs all null), or new ones sized for the last file's segment count.
    /// </summary>
    public static void RentSegments(out SegmentInfo[] segments, out string?[] communityIds)
    {
        if (s_segments.TryRent(out var pair))
        {
            (segments, communityIds) = pair;
            return;
        }
        int n = SizeFor(Volatile.Read(ref s_segmentHint), MinSegments, 1 << 30);
        segments = new SegmentInfo[n];
        communityIds = new string?[n];
    }

    /// <summary>
    /// Length of a new array for about <paramref name="hint"/> items (the last file's count): a power of two at least
    /// 1/8 above it, at least <paramref name="min"/>, at most <paramref name="max"/>.
    /// </summary>
    internal static int SizeFor(int hint, int min, int max) =>
        hint <= min ? min : (int)Math.Min(max, BitOperations.RoundUpToPowerOf2((uint)hint + (uint)(hint >> 3)));

    /// <summary>Notes a file's segment count: new arrays are sized for it.</summary>
    public static void NoteSegments(int count) => Volatile.Write(ref s_segmentHint, count);

    /// <summary>Takes back consumed segment arrays; the first <paramref name="count"/> Community IDs are cleared here.</summary>
    public static void ReturnSegments(SegmentInfo[] segments, string?[] communityIds, int count)
    {
        Debug.Assert(segments.Length == communityIds.Length, "the builder grows both together");
        Array.Clear(communityIds, 0, count);
        s_segments.Return((segments, communityIds));
    }
}
