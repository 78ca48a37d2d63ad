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
/// stream are alike in size, so it rarely grows). At most <see cref="MaxPooled"/> are kept.
/// </summary>
internal static class EndedArrayPool
{
    public const int MaxPooled = 4;

    private static readonly Lock s_lock = new();
    private static readonly EndedEntry[][] s_free = new EndedEntry[MaxPooled][];
    private static int s_count;

    /// <summary>A pooled array (stale contents: entries are written before they are read), or a new one of 256.</summary>
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
        return new EndedEntry[256];
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
