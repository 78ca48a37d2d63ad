namespace PcapStream.Streaming;

public sealed partial class StreamingJob
{
    // Decides the next batch from a poll, or null when there is nothing to do. Everything the batch depends on
    // (files, wall-clock expiry times, flush) goes into its source entry so a replay computes the same outputs.
    private SourceEntry? Plan(PollResult poll, DateTime now, out int pending, out double lagSeconds)
    {
        _gaveUp.AddRange(poll.GaveUp);
        int max = _options.MaxFilesPerBatch > 0 ? _options.MaxFilesPerBatch : int.MaxValue;
        int take = Math.Min(max, poll.Ready.Count);
        if (_options.MaxBytesPerBatch > 0)
        {
            long bytes = 0;
            for (int i = 0; i < take; i++)
            {
                bytes += Math.Max(0, poll.Ready[i].Size);
                if (bytes > _options.MaxBytesPerBatch && i > 0)
                {
                    take = i;
                    break;
                }
            }
        }
        take = WholeRounds(take, poll.Ready.Count, _options.Parallelism);
        List<SourceFile> files = take == poll.Ready.Count ? poll.Ready : poll.Ready.GetRange(0, take);
        pending = poll.Ready.Count - files.Count;
        long newestTaken = 0;
        foreach (SourceFile f in files)
        {
            newestTaken = Math.Max(newestTaken, f.MtimeMs);
        }
        lagSeconds = pending == 0 ? 0 : Math.Max(0, poll.NewestCompleteMtimeMs - newestTaken) / 1000.0;

        long wallMs = new DateTimeOffset(now).ToUnixTimeMilliseconds();
        var busy = new HashSet<string>(poll.StreamsInProgress, StringComparer.Ordinal);
        foreach (SourceFile f in poll.Ready)
        {
            busy.Add(f.Stream);
        }
        StateHeader header = _executor.ReadHeader(_lastCommitted);
        var expire = new List<StreamExpiry>();
        bool anyOpen = false;
        long minIdleNanos = MinIdleNanos();
        foreach (StreamInfo info in header.Streams)
        {
            if (info.StateLength == 0)
            {
                continue;
            }
            anyOpen = true;
            if (busy.Contains(info.Stream) || minIdleNanos <= 0)
            {
                continue;
            }
            // A quiet stream: its packet clock is advanced by the wall-clock time since its last file, so its
            // flows end once idle that long and none is held forever. At most once per idle period.
            long nowNanos = info.LastPacketNanos + Math.Max(0, wallMs - info.LastFileWallMs) * 1_000_000L;
            if (nowNanos - Math.Max(info.LastPacketNanos, info.ExpiredAtNanos) >= minIdleNanos)
            {
                expire.Add(new StreamExpiry(info.Stream, nowNanos));
            }
        }
        bool flush = _options.Once && _options.FlushAtEnd && pending == 0 && (anyOpen || files.Count > 0);
        var skipped = new List<SkippedFile>(_gaveUp);
        if (files.Count == 0 && expire.Count == 0 && skipped.Count == 0 && !(flush && anyOpen))
        {
            return null;
        }
        return new SourceEntry
        {
            Batch = _lastCommitted + 1,
            InputRoot = _source.InputRoot,
            WallClockMs = wallMs,
            Files = files,
            Expire = expire,
            Skipped = skipped,
            Flush = flush,
        };
    }

    /// <summary>
    /// A batch cut short by its bounds (files or bytes; more files are ready) takes a whole number of rounds of its decode workers
    /// when it holds at least one: files decode one per core, so 5 files on 2 cores ran a third round on one core
    /// while the other idled (bench/ingest.sh: batches of 5, 5 and 1 file). Taking 4 leaves the rest for the next
    /// batch; the bounds are never exceeded. A batch that takes every ready file is left as it is.
    /// </summary>
    internal static int WholeRounds(int take, int ready, int workers)
    {
        if (take >= ready || workers <= 1 || take <= workers)
        {
            return take;
        }
        return take - take % workers;
    }

    private long MinIdleNanos()
    {
        long min = long.MaxValue;
        foreach (TimeSpan t in new[] { _options.Flows.TcpIdleTimeout, _options.Flows.UdpIdleTimeout, _options.Flows.IcmpIdleTimeout })
        {
            if (t > TimeSpan.Zero)
            {
                min = Math.Min(min, t.Ticks * 100);
            }
        }
        return min == long.MaxValue ? 0 : min;
    }
}
