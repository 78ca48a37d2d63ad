using System.Diagnostics;

namespace PcapStream.Capture;

/// <summary>
/// One tcpdump writing one sensor folder: started with rotation and the post-rotate hook, watched through its
/// stderr (startup, counters, errors), stopped with SIGTERM, and finalised afterwards: the file open when it
/// stopped gets the same rename the hook gives the others. Leftovers of a run that was killed are repaired
/// (cut to the last complete record) and finalised at the next start.
/// </summary>
public sealed partial class CaptureStream : IDisposable
{
    private readonly CaptureStreamOptions _options;
    private readonly TextWriter _log;
    private readonly Lock _gate = new();
    private readonly List<string> _errorLines = [];
    private readonly ManualResetEventSlim _listening = new();
    private Process? _process;
    private FileStream? _lock;
    private string? _hookPath;
    private long _finishedLogOffset;
    private TcpdumpStats _stats = TcpdumpStats.None;
    private bool _stopRequested;
    private int? _exitCode;

    /// <summary>Creates the stream; nothing runs until <see cref="Start"/>.</summary>
    /// <param name="options">What to capture and where.</param>
    /// <param name="log">Where progress and warnings go (one line each, prefixed with the sensor).</param>
    public CaptureStream(CaptureStreamOptions options, TextWriter log)
    {
        _options = options;
        _log = log;
    }

    /// <summary>The options this stream runs with.</summary>
    public CaptureStreamOptions Options => _options;

    /// <summary>The latest counters tcpdump reported (on SIGUSR1 or at exit).</summary>
    public TcpdumpStats Stats
    {
        get
        {
            lock (_gate)
            {
                return _stats;
            }
        }
    }

    /// <summary>Files finalised so far (read from the hook's log by <see cref="PollFinished"/>).</summary>
    public int FinishedCount { get; private set; }

    /// <summary>tcpdump's process id while running, else 0.</summary>
    public int ProcessId => !HasExited && _process is { } p ? p.Id : 0;

    /// <summary>True once tcpdump has exited (or never started).</summary>
    public bool HasExited
    {
        get
        {
            // Cached, so the answer survives Dispose of the Process object.
            if (_exitCode is null && (_process is null || _process.HasExited))
            {
                _exitCode = _process?.ExitCode ?? 0;
            }
            return _exitCode is not null;
        }
    }

    /// <summary>tcpdump's exit code (128 + signal when killed by one), valid once <see cref="HasExited"/>.</summary>
    public int ExitCode => HasExited ? _exitCode!.Value : 0;

    /// <summary>True when tcpdump ended because we asked it to, or on its own after --max-files.</summary>
    public bool EndedCleanly => HasExited && ExitCode == 0;

    /// <summary>
    /// Takes the sensor folder (lock), finalises leftovers of an earlier killed run, writes the hook and starts
    /// tcpdump; returns once tcpdump is listening.
    /// </summary>
    /// <exception cref="CaptureException">The folder is in use, or tcpdump could not start capturing (the message says why).</exception>
    public void Start(TimeSpan startupTimeout)
    {
        Directory.CreateDirectory(Path.Combine(_options.SensorDirectory, CaptureNaming.StateDirectoryName));
        string lockPath = Path.Combine(_options.SensorDirectory, CaptureNaming.LockFileName);
        try
        {
            // FileShare.None takes an advisory flock on Unix, released by the kernel if we die.
            _lock = new FileStream(lockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException)
        {
            throw new CaptureException($"another 'pcapstream capture' is writing to {_options.SensorDirectory}; give this one another --sensor or --dir.");
        }
        int orphan = FindTcpdumpWriting(CaptureNaming.HiddenPattern(_options.SensorDirectory, _options.Prefix));
        if (orphan > 0)
        {
            throw new CaptureException($"a tcpdump left by an earlier capture (pid {orphan}) is still writing to {_options.SensorDirectory}; stop it first (kill {orphan}).");
        }
        _hookPath = HookScript.Write(_options.SensorDirectory, _options.Prefix, _options.DirectoryFormat, _options.NumberParts);
        string finishedLog = Path.Combine(_options.SensorDirectory, CaptureNaming.FinishedLogName);
        File.WriteAllText(finishedLog, "");
        HandOverToUser();
        int recovered = FinalizeLeftovers(repair: true);
        if (recovered > 0)
        {
            Log($"finalised {recovered} file(s) left hidden by an earlier capture that was stopped abruptly");
            PollFinished(); // those lines are not this run's files
            FinishedCount = 0;
        }

        var psi = new ProcessStartInfo(_options.TcpdumpPath)
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        foreach (string a in _options.TcpdumpArguments(_hookPath, Native.IsRoot))
        {
            psi.ArgumentList.Add(a);
        }
        if (_options.UtcNames)
        {
            // tcpdump expands -w's strftime in local time; TZ makes that UTC (no repeated hour at DST end).
            psi.Environment["TZ"] = "UTC";
        }
        _process = new Process { StartInfo = psi };
        _process.ErrorDataReceived += (_, e) => OnStderr(e.Data);
        _process.OutputDataReceived += (_, _) => { };
        _process.Start();
        _process.BeginErrorReadLine();
        _process.BeginOutputReadLine();

        var deadline = Stopwatch.StartNew();
        while (!_listening.Wait(50))
        {
            if (_process.HasExited || deadline.Elapsed > startupTimeout)
            {
                if (_process.WaitForExit(1000))
                {
                    // Only the parameterless overload waits for the asynchronous stderr reader to reach EOF; without
                    // it the error lines can still be in flight and the message says "(no message)".
                    _process.WaitForExit();
                }
                string stderr;
                lock (_gate)
                {
                    stderr = string.Join('\n', _errorLines);
                }
                if (!_process.HasExited)
                {
                    Native.Kill(_process.Id, Native.SigTerm);
                    throw new CaptureException($"tcpdump did not start capturing on {_options.Interface} within {startupTimeout.TotalSeconds:0} s: {LastLine(stderr)}");
                }
                throw new CaptureException(CaptureDiagnosis.Explain(_options, stderr, _process.ExitCode, Native.IsRoot));
            }
        }
        Log($"capturing on {_options.Interface} into {_options.SensorDirectory} (tcpdump pid {_process.Id})");
    }

    /// <summary>Asks tcpdump for its counters (SIGUSR1); the answer arrives on stderr and updates <see cref="Stats"/>.</summary>
    public void RequestStats()
    {
        if (!HasExited && _process is { } p)
        {
            Native.Kill(p.Id, Native.SigUsr1);
        }
    }

    /// <summary>Asks tcpdump to stop (SIGTERM): it closes the current file and prints its counters.</summary>
    public void RequestStop()
    {
        _stopRequested = true;
        if (!HasExited && _process is { } p)
        {
            Native.Kill(p.Id, Native.SigTerm);
        }
    }

    /// <summary>Waits for tcpdump to exit; kills it after <paramref name="grace"/> (the file is repaired then).</summary>
    public void WaitForExit(TimeSpan grace)
    {
        if (_process is null)
        {
            return;
        }
        if (!_process.WaitForExit(grace))
        {
            Log($"tcpdump did not stop within {grace.TotalSeconds:0} s; killing it");
            _process.Kill();
            _process.WaitForExit();
        }
        _process.WaitForExit(); // drains the stderr reader, so the exit counters are parsed
    }

    /// <summary>
    /// After tcpdump exited: finalises the file it had open (repairing its tail when tcpdump did not exit
    /// cleanly) and reports the counters. Returns the number of files finalised here.
    /// </summary>
    public int Complete()
    {
        bool clean = EndedCleanly;
        if (!clean)
        {
            string why = ExitCode > 128 ? $"killed by signal {ExitCode - 128}" : $"exit code {ExitCode}";
            string detail;
            lock (_gate)
            {
                detail = _errorLines.Count > 0 ? ": " + _errorLines[^1] : "";
            }
            Log($"tcpdump ended unexpectedly ({why}){detail}");
        }
        return FinalizeLeftovers(repair: !clean);
    }

    /// <summary>Paths finalised since the last call (from the hook's log, in the order they completed).</summary>
    public List<string> PollFinished()
    {
        var result = new List<string>();
        string path = Path.Combine(_options.SensorDirectory, CaptureNaming.FinishedLogName);
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            if (stream.Length <= _finishedLogOffset)
            {
                return result;
            }
            stream.Position = _finishedLogOffset;
            using var reader = new StreamReader(stream);
            string text = reader.ReadToEnd();
            int end = text.LastIndexOf('\n');
            if (end < 0)
            {
                return result; // a line still being appended
            }
            foreach (string line in text[..end].Split('\n'))
            {
                if (line.Length > 0)
                {
                    result.Add(line);
                }
            }
            _finishedLogOffset += System.Text.Encoding.UTF8.GetByteCount(text.AsSpan(0, end + 1));
        }
        catch (FileNotFoundException)
        {
            return result;
        }
        FinishedCount += result.Count;
        return result;
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        _ = HasExited; // keep the exit code for callers after the Process object is gone
        if (_process is { HasExited: false } p)
        {
            Native.Kill(p.Id, Native.SigTerm);
            p.WaitForExit(5000);
        }
        _process?.Dispose();
        _lock?.Dispose();
        _listening.Dispose();
    }

    private void OnStderr(string? line)
    {
        if (line is null)
        {
            return;
        }
        lock (_gate)
        {
            if (line.StartsWith("tcpdump: listening on", StringComparison.Ordinal))
            {
                _listening.Set();
                return;
            }
            TcpdumpStats s = _stats;
            if (TcpdumpStats.TryParseLine(line, ref s))
            {
                _stats = s;
                return;
            }
            if (line.StartsWith("Maximum file limit reached", StringComparison.Ordinal))
            {
                return;
            }
            _errorLines.Add(line);
            if (_errorLines.Count > 20)
            {
                _errorLines.RemoveAt(0);
            }
        }
        if (_listening.IsSet && !_stopRequested)
        {
            Log("tcpdump: " + line);
        }
    }

    private void Log(string message)
    {
        lock (_log)
        {
            _log.WriteLine($"[{_options.Sensor}] {message}");
            _log.Flush();
        }
    }

    private static string LastLine(string text)
    {
        string t = text.TrimEnd();
        int nl = t.LastIndexOf('\n');
        return nl < 0 ? t : t[(nl + 1)..];
    }
}

/// <summary>Capture could not start or run; the message says why and what to do.</summary>
public sealed class CaptureException(string message) : IOException(message);
