using PcapStream.Readers;

namespace PcapStream.Streaming;

/// <summary>How the source decides that a file is complete (DESIGN.md "Completion").</summary>
public enum CompletionMode
{
    /// <summary>Renamed-when-complete in a stream that has shown hidden files, else newest-in-stream.</summary>
    Auto,
    /// <summary>Visible names are complete; hidden (<c>.</c>) names are in progress.</summary>
    Rename,
    /// <summary>Every file but the newest of its stream is complete; the newest after <see cref="SourceOptions.FileIdle"/>.</summary>
    Newest,
    /// <summary>Every file is complete (one-shot ingest of finished captures).</summary>
    All,
}

/// <summary>Settings of <see cref="DirectorySource"/>.</summary>
public sealed record SourceOptions
{
    public CompletionMode Completion { get; init; } = CompletionMode.Auto;
    /// <summary>The newest visible file of a stream is complete once unchanged this long. Default 60 s.</summary>
    public TimeSpan FileIdle { get; init; } = TimeSpan.FromSeconds(60);
    /// <summary>A hidden file unchanged this long was left by a crashed capture and is taken as is. Default 1 h; zero never.</summary>
    public TimeSpan StaleHiddenAge { get; init; } = TimeSpan.FromHours(1);
    /// <summary>Times an unreadable file is retried (one try per poll) before it is reported and skipped. Default 5.</summary>
    public int MaxReadAttempts { get; init; } = 5;
    /// <summary>
    /// Wake early on inotify events (a visible file created or renamed into place) instead of sleeping the whole
    /// interval. Only a hint: polling still decides. Default on.
    /// </summary>
    public bool Watch { get; init; } = true;
    /// <summary>
    /// A one-shot run (<c>--once</c>, <c>ingest</c>) has no next poll to retry an unreadable file on: it waits this
    /// long between its attempts instead. Default 1 s.
    /// </summary>
    public TimeSpan RetryDelay { get; init; } = TimeSpan.FromSeconds(1);
    /// <summary>After a change notification, wait this long for more before polling (one batch per burst). Default 500 ms.</summary>
    public TimeSpan WatchSettle { get; init; } = TimeSpan.FromMilliseconds(500);
}

/// <summary>A complete file not yet taken, or one still in progress (pending).</summary>
public sealed record Candidate(SourceFile File, bool Ready);

/// <summary>What one poll found.</summary>
public sealed class PollResult
{
    /// <summary>Complete files not yet taken, in capture order (first packet time, then stream, then name).</summary>
    public List<SourceFile> Ready { get; } = [];
    /// <summary>Streams with a file still being written (not quiet).</summary>
    public HashSet<string> StreamsInProgress { get; } = new(StringComparer.Ordinal);
    /// <summary>Files given up on (unreadable after the retries).</summary>
    public List<SkippedFile> GaveUp { get; } = [];
    /// <summary>Files that could not be read this time and will be tried again (not given up on yet).</summary>
    public int Retrying { get; set; }
    /// <summary>Newest last-write time (ms) among complete files; for the lag figure.</summary>
    public long NewestCompleteMtimeMs { get; set; }
}

/// <summary>
/// Lists capture files under one or more input roots, recursively, by polling (network filesystems deliver no
/// inotify events for remote writers), and decides which are complete. Each file is offered until the job marks
/// it taken, and never after; a taken file that changes later is reported (log line and counter), not re-read.
/// Capture streams are the first-level folders of a root (<c>INPUT/&lt;sensor&gt;/...</c>); files directly under
/// the root form the stream <c>default</c>.
/// </summary>
public sealed class DirectorySource
{
    private readonly IReadOnlyList<string> _roots;
    private readonly SourceOptions _options;
    private readonly string? _exclude;
    private readonly Dictionary<string, SourceFile> _taken = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (long Size, long Mtime)> _changeReported = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _attempts = new(StringComparer.Ordinal);
    private readonly Dictionary<(string, long, long), long> _firstPacket = [];
    private readonly HashSet<string> _renameStreams = new(StringComparer.Ordinal);
    private readonly HashSet<string> _rewritingStreams = new(StringComparer.Ordinal);
    private readonly HashSet<string> _missingRoots = new(StringComparer.Ordinal);
    private readonly TextWriter _log;
    private const int FirstRecordBuffer = 64 << 10;

    /// <param name="roots">Input roots (folders) or single capture files.</param>
    /// <param name="options">Completion rules.</param>
    /// <param name="exclude">A folder never to list (the output, when it sits inside the input).</param>
    /// <param name="log">Where notices go.</param>
    /// <param name="renameStreams">Streams already known to use hidden-until-renamed names (from an earlier run).</param>
    public DirectorySource(IReadOnlyList<string> roots, SourceOptions options, string? exclude, TextWriter log,
        IEnumerable<string>? renameStreams = null)
    {
        _roots = roots;
        _options = options;
        _exclude = exclude is null ? null : Path.GetFullPath(exclude).TrimEnd('/') + "/";
        _log = log;
        InputRoot = CommonRoot(roots);
        if (renameStreams is not null)
        {
            _renameStreams.UnionWith(renameStreams);
        }
    }

    /// <summary>
    /// Called (on the polling thread) when a stream first shows a hidden file name: from then on Auto completion
    /// treats it as hidden-until-renamed. The job records it durably so a restart does not forget it.
    /// </summary>
    public Action<string>? RenameStreamLearned { get; set; }

    /// <summary>
    /// The absolute folder the <c>file</c> column is relative to: the input folder, or for several inputs (or
    /// files) the deepest folder holding them all. Recorded in every source log entry as <c>inputRoot</c>, so
    /// <c>extract</c> finds the captures again.
    /// </summary>
    public string InputRoot { get; }

    private static string CommonRoot(IReadOnlyList<string> roots)
    {
        string? common = null;
        foreach (string root in roots)
        {
            string full = Path.GetFullPath(root).TrimEnd('/');
            string dir = File.Exists(full) ? Path.GetDirectoryName(full) ?? "/" : full;
            if (dir.Length == 0)
            {
                dir = "/";
            }
            if (common is null)
            {
                common = dir;
                continue;
            }
            while (!(dir == common || dir.StartsWith(common.TrimEnd('/') + "/", StringComparison.Ordinal)))
            {
                common = Path.GetDirectoryName(common) ?? "/";
            }
        }
        return common ?? "/";
    }

    /// <summary>Taken files that changed afterwards (each change counted once).</summary>
    public long ChangedAfterTaken { get; private set; }

    /// <summary>
    /// True when a file of <paramref name="stream"/> changed after it was taken: its writer rewrites files in place
    /// (a ring buffer such as <c>tcpdump -C -W</c> truncates its oldest file), so a reader must not map them.
    /// </summary>
    public bool RewritesFiles(string stream)
    {
        lock (_rewritingStreams)
        {
            return _rewritingStreams.Contains(stream);
        }
    }

    /// <summary>Marks a file as taken (from the source log, or by a new batch).</summary>
    public void MarkTaken(SourceFile file) => _taken[file.Path] = file;

    /// <summary>Marks a path as dealt with (a skipped file).</summary>
    public void MarkSkipped(string path) => _taken[path] = new SourceFile { Path = path, Relative = path, Stream = "", Size = -1, MtimeMs = -1 };

    /// <summary>Lists the roots and classifies every file.</summary>
    public PollResult Poll(DateTime nowUtc)
    {
        var result = new PollResult();
        var byStream = new Dictionary<string, List<(SourceFile File, bool Hidden)>>(StringComparer.Ordinal);
        foreach (string root in _roots)
        {
            if (File.Exists(root))
            {
                var info = new FileInfo(root);
                Add(byStream, Describe(info, Path.GetRelativePath(InputRoot, info.FullName), "default"), hidden: false);
                continue;
            }
            if (!Directory.Exists(root))
            {
                // A job started before the capture (or a share not mounted yet): wait for the folder, saying so
                // once, rather than fail; polling picks it up when it appears.
                if (_missingRoots.Add(root))
                {
                    _log.WriteLine($"pcapstream: waiting for input folder '{root}': it does not exist (yet).");
                }
                continue;
            }
            if (_missingRoots.Remove(root))
            {
                _log.WriteLine($"pcapstream: input folder '{root}' appeared.");
            }
            string full = Path.GetFullPath(root);
            var options = new EnumerationOptions { RecurseSubdirectories = true, IgnoreInaccessible = true, AttributesToSkip = 0 };
            foreach (FileInfo info in new DirectoryInfo(full).EnumerateFiles("*", options))
            {
                string path = info.FullName;
                if (_exclude is not null && path.StartsWith(_exclude, StringComparison.Ordinal))
                {
                    continue;
                }
                string relative = Path.GetRelativePath(full, path);
                string underRoot = Path.GetRelativePath(InputRoot, path);
                int slash = relative.IndexOf('/', StringComparison.Ordinal);
                string folder = Path.GetDirectoryName(relative) ?? "";
                if (folder.Length > 0 && ("/" + folder).Contains("/.", StringComparison.Ordinal))
                {
                    continue; // inside a hidden folder (.snapshot, .git, ...)
                }
                string stream = slash < 0 ? "default" : relative[..slash];
                bool hidden = info.Name.StartsWith('.');
                SourceFile described;
                try
                {
                    described = Describe(info, underRoot, stream);
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    // Vanished or unreachable between listing and stat: retried like an unreadable file.
                    Failed(path, e, result);
                    continue;
                }
                Add(byStream, described, hidden);
            }
        }

        foreach ((string stream, List<(SourceFile File, bool Hidden)> files) in byStream)
        {
            Classify(stream, files, nowUtc, result);
        }
        result.Ready.Sort(static (a, b) =>
        {
            int c = a.FirstPacketNanos.CompareTo(b.FirstPacketNanos);
            if (c == 0)
            {
                c = string.CompareOrdinal(a.Stream, b.Stream);
            }
            return c != 0 ? c : string.CompareOrdinal(a.Relative, b.Relative);
        });
        return result;
    }

    private static void Add(Dictionary<string, List<(SourceFile, bool)>> byStream, SourceFile file, bool hidden)
    {
        if (!byStream.TryGetValue(file.Stream, out List<(SourceFile, bool)>? list))
        {
            byStream.Add(file.Stream, list = []);
        }
        list.Add((file, hidden));
    }

    private static SourceFile Describe(FileInfo info, string relative, string stream) => new()
    {
        Path = info.FullName,
        Relative = relative,
        Stream = stream,
        Size = info.Length,
        MtimeMs = new DateTimeOffset(info.LastWriteTimeUtc).ToUnixTimeMilliseconds(),
    };

    private void Classify(string stream, List<(SourceFile File, bool Hidden)> files, DateTime nowUtc, PollResult result)
    {
        long now = new DateTimeOffset(nowUtc).ToUnixTimeMilliseconds();
        // The newest visible file: the one newest-in-stream holds back until a newer one appears or it goes idle.
        SourceFile? newest = null;
        foreach ((SourceFile f, bool hidden) in files)
        {
            if (hidden)
            {
                if (_renameStreams.Add(stream))
                {
                    RenameStreamLearned?.Invoke(stream);
                }
            }
            else if (newest is null || f.MtimeMs > newest.MtimeMs || (f.MtimeMs == newest.MtimeMs && string.CompareOrdinal(f.Relative, newest.Relative) > 0))
            {
                newest = f;
            }
        }
        CompletionMode mode = _options.Completion == CompletionMode.Auto
            ? (_renameStreams.Contains(stream) ? CompletionMode.Rename : CompletionMode.Newest)
            : _options.Completion;

        foreach ((SourceFile f, bool hidden) in files)
        {
            if (_taken.TryGetValue(f.Path, out SourceFile? taken))
            {
                CheckUnchanged(taken, f);
                continue;
            }
            bool complete = mode switch
            {
                // Hidden names are in progress under every mode (a one-shot ingest of a live tree must not take
                // tcpdump's open file); only the stale-age rule takes them.
                _ when hidden => _options.StaleHiddenAge > TimeSpan.Zero && now - f.MtimeMs >= _options.StaleHiddenAge.TotalMilliseconds,
                CompletionMode.All => true,
                CompletionMode.Newest => !ReferenceEquals(f, newest) || now - f.MtimeMs >= _options.FileIdle.TotalMilliseconds,
                _ => true,
            };
            if (!complete)
            {
                result.StreamsInProgress.Add(stream);
                continue;
            }
            if (hidden)
            {
                _log.WriteLine($"pcapstream: taking {f.Path}: hidden and unchanged for {_options.StaleHiddenAge.TotalMinutes:0} min (left by a stopped capture).");
            }
            if (!TryFirstPacket(f, out long first, result))
            {
                continue;
            }
            result.Ready.Add(f with { FirstPacketNanos = first });
            result.NewestCompleteMtimeMs = Math.Max(result.NewestCompleteMtimeMs, f.MtimeMs);
        }
    }

    // Counts a failed read of a file; after MaxReadAttempts it is given up on (reported once, in a batch).
    private void Failed(string path, Exception e, PollResult result)
    {
        if (_taken.ContainsKey(path))
        {
            return;
        }
        int attempts = _attempts.GetValueOrDefault(path) + 1;
        _attempts[path] = attempts;
        if (attempts >= _options.MaxReadAttempts)
        {
            _log.WriteLine($"pcapstream: error: giving up on {path} after {attempts} attempts: {e.Message}");
            result.GaveUp.Add(new SkippedFile(path, e.Message));
        }
        else
        {
            _log.WriteLine($"pcapstream: warning: cannot read {path} (attempt {attempts} of {_options.MaxReadAttempts}): {e.Message}");
            result.Retrying++;
        }
    }

    private void CheckUnchanged(SourceFile taken, SourceFile now)
    {
        if (taken.Size < 0 || (taken.Size == now.Size && taken.MtimeMs == now.MtimeMs))
        {
            return;
        }
        if (_changeReported.TryGetValue(now.Path, out var seen) && seen == (now.Size, now.MtimeMs))
        {
            return;
        }
        _changeReported[now.Path] = (now.Size, now.MtimeMs);
        ChangedAfterTaken++;
        lock (_rewritingStreams)
        {
            if (_rewritingStreams.Add(taken.Stream))
            {
                _log.WriteLine($"pcapstream: files of stream '{taken.Stream}' are rewritten in place: its files are read by copying from now on, not mapped.");
            }
        }
        _log.WriteLine($"pcapstream: warning: {now.Path} changed after it was ingested (size {taken.Size} -> {now.Size}); it is not re-read.");
    }

    // Reads the first record's time (capture order) and proves the file can be opened. Unreadable files are
    // retried on later polls, then given up on; files that are not captures are taken (and reported as damaged
    // by the decode) rather than silently skipped.
    private bool TryFirstPacket(SourceFile f, out long first, PollResult result)
    {
        first = long.MaxValue;
        if (_firstPacket.TryGetValue((f.Path, f.Size, f.MtimeMs), out first))
        {
            return true;
        }
        if (f.Size == 0)
        {
            // Nothing to read, and never opened: a FIFO or socket left in the folder also shows size 0, and
            // opening one would block the job forever. The decode reports it as an empty capture.
            first = long.MaxValue;
            return true;
        }
        try
        {
            // A small buffer: only the first record is needed (the default 1 MiB read per file was ~1% of the input
            // read twice); it grows if that record is larger.
            using CaptureReader reader = CaptureReader.Open(f.Path, null, FirstRecordBuffer);
            if (reader.TryRead(out CaptureRecord record) && record.HasTimestamp)
            {
                first = record.TimestampNanos;
            }
        }
        catch (CaptureFormatException)
        {
            first = long.MaxValue;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Failed(f.Path, e, result);
            return false;
        }
        _firstPacket[(f.Path, f.Size, f.MtimeMs)] = first;
        return true;
    }
}
