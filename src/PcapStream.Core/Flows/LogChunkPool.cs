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
