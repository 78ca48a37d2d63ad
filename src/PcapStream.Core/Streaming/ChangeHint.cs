namespace PcapStream.Streaming;

/// <summary>
/// The inotify fast path: a <see cref="FileSystemWatcher"/> over the input roots that wakes the job early when a
/// visible file appears (created, or renamed from its hidden in-progress name). It is only a hint — polling stays
/// the truth, since network filesystems deliver no events for remote writers and inotify can overflow — so a
/// watcher that cannot start (no inotify, watch limit reached) is logged once and the job simply polls.
/// </summary>
internal sealed class ChangeHint : IDisposable
{
    private readonly List<FileSystemWatcher> _watchers = [];
    private readonly AutoResetEvent _signal = new(false);
    private readonly IReadOnlyList<string> _roots;
    // Roots watched, or whose watch failed (logged once, not retried): a root not in it does not exist yet.
    private readonly HashSet<string> _settled = new(StringComparer.Ordinal);
    private readonly TextWriter _log;

    public ChangeHint(IReadOnlyList<string> roots, TextWriter log)
    {
        _roots = roots;
        _log = log;
        Attach();
    }

    /// <summary>
    /// Starts watching the roots that exist now and were not watched yet (an input folder created after the job
    /// started). Cheap when all are watched; call before each wait.
    /// </summary>
    public void Attach()
    {
        if (_settled.Count == _roots.Count)
        {
            return;
        }
        foreach (string root in _roots)
        {
            if (_settled.Contains(root) || !Directory.Exists(root))
            {
                continue;
            }
            _settled.Add(root);
            try
            {
                var w = new FileSystemWatcher(root)
                {
                    IncludeSubdirectories = true,
                    NotifyFilter = NotifyFilters.FileName | NotifyFilters.DirectoryName,
                    InternalBufferSize = 64 * 1024,
                };
                w.Created += OnChange;
                w.Renamed += OnChange;
                // Overflow or a failed watch: wake up and poll, which sees everything anyway.
                w.Error += (_, _) => _signal.Set();
                w.EnableRaisingEvents = true;
                _watchers.Add(w);
            }
            catch (Exception e) when (e is IOException or ArgumentException or UnauthorizedAccessException or PlatformNotSupportedException)
            {
                _log.WriteLine($"pcapstream: notice: no change notifications for '{root}' ({e.Message}); polling only.");
            }
        }
    }

    /// <summary>Events seen that woke (or would have woken) the job.</summary>
    public long Hints { get; private set; }

    private void OnChange(object sender, FileSystemEventArgs e)
    {
        // Hidden names are in progress: their appearance completes nothing. A rename TO a visible name does.
        if (e.Name is null || Path.GetFileName(e.Name).StartsWith('.'))
        {
            return;
        }
        Hints++;
        _signal.Set();
    }

    /// <summary>
    /// Waits up to <paramref name="timeout"/> for a hint or a cancel. After a hint it waits <paramref name="settle"/>
    /// more, so a burst (a capture rotating several interfaces at once) becomes one batch. True when woken by a hint.
    /// </summary>
    public bool Wait(TimeSpan timeout, TimeSpan settle, CancellationToken cancel)
    {
        int which = WaitHandle.WaitAny([cancel.WaitHandle, _signal], timeout);
        if (which != 1)
        {
            return false;
        }
        cancel.WaitHandle.WaitOne(settle);
        _signal.Reset();
        return true;
    }

    public void Dispose()
    {
        foreach (FileSystemWatcher w in _watchers)
        {
            w.Dispose();
        }
        _signal.Dispose();
    }
}
