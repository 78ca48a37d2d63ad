using PcapStream.Sinks;

namespace PcapStream.Streaming;

/// <summary>
/// The streaming job (DESIGN.md "Exactly once"): polls the inputs, plans micro-batches, writes the source log
/// FIRST, runs the batch (<see cref="BatchExecutor"/>), and the commit log LAST. On start it recovers: outputs of
/// batches after the last commit are deleted, and a batch with a source entry but no commit is replayed from
/// the same files and the state of the batch before. One job per output folder (an exclusive lock).
/// </summary>
public sealed partial class StreamingJob : IDisposable
{
    private readonly JobOptions _options;
    private readonly TextWriter _log;
    private readonly MetadataLog _sources, _commits, _state;
    private readonly DirectorySource _source;
    private readonly FileStream _lock;
    private readonly BatchExecutor _executor;
    private long _lastCommitted = -1;
    private readonly List<SkippedFile> _gaveUp = [];
    private readonly ChangeHint? _hint;

    /// <summary>Opens the output folder (creating it) and takes its lock.</summary>
    /// <exception cref="IOException">Another job holds the output folder, or it cannot be written.</exception>
    public StreamingJob(JobOptions options, TextWriter log)
    {
        _options = options;
        _log = log;
        string meta = Path.Combine(options.Output, "_pcapstream");
        Directory.CreateDirectory(meta);
        try
        {
            // FileShare.None takes an exclusive advisory lock on Linux: a second job on the same output fails here.
            _lock = new FileStream(Path.Combine(meta, "lock"), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException e)
        {
            throw new IOException($"another pcapstream job is writing to '{options.Output}' ({e.Message}).", e);
        }
        _sources = new MetadataLog(Path.Combine(meta, "sources"));
        _commits = new MetadataLog(Path.Combine(meta, "commits"));
        _state = new MetadataLog(Path.Combine(meta, "state"));
        StreamConventions conventions = StreamConventions.Load(meta);
        _source = new DirectorySource(options.Inputs, options.Source, options.Output, log, conventions.RenameStreams)
        {
            RenameStreamLearned = conventions.AddRenameStream,
        };
        _executor = new BatchExecutor(options, _state, log) { MapFile = f => !_source.RewritesFiles(f.Stream) };
        // A one-shot run never waits, so it needs no watcher.
        _hint = options.Source.Watch && !options.Once ? new ChangeHint(options.Inputs, log) : null;
    }

    /// <summary>Called after every committed batch.</summary>
    public Action<BatchReport>? BatchCommitted { get; set; }

    /// <summary>Called with the bytes of capture decoded, as they are decoded (progress bars).</summary>
    public Action<long>? Progress { get => _executor.Progress; set => _executor.Progress = value; }

    /// <summary>Called once a batch is planned, with its total capture bytes.</summary>
    public Action<long>? BatchPlanned { get; set; }

    /// <summary>Taken files that changed afterwards (reported, not re-read).</summary>
    public long ChangedAfterTaken => _source.ChangedAfterTaken;

    /// <summary>
    /// Runs until cancelled, or with <see cref="JobOptions.Once"/> until what is complete is processed. A cancel
    /// abandons the current batch cleanly (its outputs removed; it is replayed on the next start) and returns.
    /// Returns the number of batches committed.
    /// </summary>
    /// <exception cref="IOException">The output cannot be written (disk full, permissions): nothing partial is committed.</exception>
    public int Run(CancellationToken cancel)
    {
        int committed = 0;
        SourceEntry? replay = Recover();
        if (replay is not null)
        {
            _log.WriteLine($"pcapstream: replaying batch {replay.Batch} (started, not committed, before a stop).");
            if (!Execute(replay, replayed: true, pending: 0, lagSeconds: 0, cancel))
            {
                return committed;
            }
            committed++;
        }
        while (!cancel.IsCancellationRequested)
        {
            DateTime started = DateTime.UtcNow;
            PollResult poll = _source.Poll(started);
            SourceEntry? entry = Plan(poll, started, out int pending, out double lag);
            if (entry is null)
            {
                if (_options.Once && poll.Retrying > 0)
                {
                    // Nothing else to do but unreadable files to retry: a one-shot run retries them here.
                    cancel.WaitHandle.WaitOne(_options.Source.RetryDelay);
                    continue;
                }
                if (_options.Once)
                {
                    break;
                }
                Wait(started, cancel);
                continue;
            }
            if (!_sources.TryAdd(entry.Batch, MetadataJson.Write(entry)))
            {
                throw new IOException($"batch {entry.Batch} is already in the source log of '{_options.Output}': another job wrote to it.");
            }
            FaultInjection.Pause("after-sources");
            foreach (SkippedFile s in entry.Skipped)
            {
                _gaveUp.RemoveAll(g => g.Path == s.Path);
            }
            if (!Execute(entry, replayed: false, pending, lag, cancel))
            {
                break;
            }
            committed++;
            if (!_options.Once && pending == 0)
            {
                Wait(started, cancel);
            }
        }
        return committed;
    }

    private void Wait(DateTime started, CancellationToken cancel)
    {
        TimeSpan left = _options.Interval - (DateTime.UtcNow - started);
        if (left <= TimeSpan.Zero)
        {
            return;
        }
        if (_hint is null)
        {
            cancel.WaitHandle.WaitOne(left);
        }
        else
        {
            _hint.Attach();
            _hint.Wait(left, _options.Source.WatchSettle, cancel);
        }
    }

    // Runs one batch and commits it. False when cancelled (the batch was abandoned cleanly).
    private bool Execute(SourceEntry entry, bool replayed, int pending, double lagSeconds, CancellationToken cancel)
    {
        foreach (SourceFile f in entry.Files)
        {
            _source.MarkTaken(f);
        }
        foreach (SkippedFile s in entry.Skipped)
        {
            _source.MarkSkipped(s.Path);
        }
        long total = 0;
        foreach (SourceFile f in entry.Files)
        {
            total += f.Size;
        }
        BatchPlanned?.Invoke(total);
        try
        {
            BatchReport report = _executor.Execute(entry, _commits, cancel) with
            {
                Replayed = replayed,
                PendingFiles = pending,
                LagSeconds = lagSeconds,
            };
            _lastCommitted = entry.Batch;
            _log.WriteLine("pcapstream: " + report);
            BatchCommitted?.Invoke(report);
            return true;
        }
        catch (OperationCanceledException) when (cancel.IsCancellationRequested)
        {
            _log.WriteLine($"pcapstream: stopping: batch {entry.Batch} abandoned, it will be replayed on the next start.");
            return false;
        }
    }

    // Clears what a crash left behind and returns the batch to replay, if any.
    private SourceEntry? Recover()
    {
        _lastCommitted = _commits.Latest();
        long next = _lastCommitted + 1;
        _commits.TruncateAfter(_lastCommitted);
        _state.TruncateAfter(_lastCommitted);
        _sources.TruncateAfter(next);
        int removed = DatasetLayout.DeleteUncommitted(_options.Output, _lastCommitted);
        _executor.OutputsClean = true;
        if (removed > 0)
        {
            _log.WriteLine($"pcapstream: removed {removed} uncommitted part files left by a stopped batch.");
        }
        SourceEntry? replay = null;
        foreach (long batch in _sources.Batches())
        {
            SourceEntry entry = MetadataJson.Read<SourceEntry>(_sources.ReadText(batch)!, _sources.PathOf(batch));
            foreach (SourceFile f in entry.Files)
            {
                _source.MarkTaken(f);
            }
            foreach (SkippedFile s in entry.Skipped)
            {
                _source.MarkSkipped(s.Path);
            }
            if (batch == next)
            {
                replay = entry;
            }
        }
        return replay;
    }

    /// <summary>Change notifications that woke the job early (the inotify fast path).</summary>
    public long ChangeHints => _hint?.Hints ?? 0;

    public void Dispose()
    {
        _hint?.Dispose();
        _lock.Dispose();
    }
}
