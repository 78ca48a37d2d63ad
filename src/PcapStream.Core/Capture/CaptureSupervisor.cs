using System.Diagnostics;

namespace PcapStream.Capture;

/// <summary>
/// Runs one <see cref="CaptureStream"/> per interface until asked to stop (Ctrl-C, SIGTERM), until every
/// stream reached its file limit, or until one fails: reports each finished file, tcpdump's counters every
/// <see cref="StatsInterval"/> and at exit, applies retention between files, and always finalises the last file.
/// </summary>
public sealed class CaptureSupervisor
{
    private readonly List<CaptureStreamOptions> _streams;
    private readonly TextWriter _log;

    /// <summary>Creates a supervisor for <paramref name="streams"/>, logging to <paramref name="log"/>.</summary>
    public CaptureSupervisor(List<CaptureStreamOptions> streams, TextWriter log)
    {
        _streams = streams;
        _log = log;
    }

    /// <summary>How often tcpdump is asked for its counters (SIGUSR1); zero only at exit.</summary>
    public TimeSpan StatsInterval { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>How long tcpdump may take to start listening.</summary>
    public TimeSpan StartupTimeout { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>Called between files every <see cref="MaintenanceInterval"/> (retention); exceptions are logged, not fatal.</summary>
    public Action? Maintenance { get; init; }

    /// <summary>How often <see cref="Maintenance"/> runs.</summary>
    public TimeSpan MaintenanceInterval { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>Called with each finished file's path (tests and metrics).</summary>
    public Action<string>? FileFinished { get; init; }

    /// <summary>
    /// Captures until <paramref name="stop"/> fires or every stream ended. Returns 0 when every tcpdump ended
    /// cleanly (stopped, or its --max-files reached), 1 when one failed (the others are stopped then too, so a
    /// service manager restarts the whole capture and the restart repairs what the failure left).
    /// </summary>
    /// <exception cref="CaptureException">A stream could not start (the message says what is missing).</exception>
    public int Run(CancellationToken stop)
    {
        var running = new List<CaptureStream>();
        try
        {
            foreach (CaptureStreamOptions o in _streams)
            {
                var s = new CaptureStream(o, _log);
                running.Add(s);
                s.Start(StartupTimeout);
            }
        }
        catch
        {
            Shutdown(running);
            throw;
        }

        bool failed = false;
        var statsClock = Stopwatch.StartNew();
        var maintenanceClock = Stopwatch.StartNew();
        var lastDropped = new long[running.Count];
        while (!stop.IsCancellationRequested)
        {
            bool allExited = true;
            for (int i = 0; i < running.Count; i++)
            {
                CaptureStream s = running[i];
                ReportFinished(s);
                if (s.Options.NumberParts && s.Options.MaxFiles > 0 && s.FinishedCount >= s.Options.MaxFiles && !s.HasExited)
                {
                    Log(s, $"{s.FinishedCount} files written (--max-files); stopping");
                    s.RequestStop();
                }
                if (s.HasExited && !s.EndedCleanly)
                {
                    failed = true;
                }
                allExited &= s.HasExited;
            }
            if (failed || allExited)
            {
                break;
            }
            if (StatsInterval > TimeSpan.Zero && statsClock.Elapsed >= StatsInterval)
            {
                statsClock.Restart();
                for (int i = 0; i < running.Count; i++)
                {
                    TcpdumpStats st = running[i].Stats;
                    if (st.IsKnown)
                    {
                        long delta = st.Dropped - lastDropped[i];
                        lastDropped[i] = st.Dropped;
                        Log(running[i], delta > 0 ? $"{st} (+{delta} dropped since the last report)" : st.ToString());
                    }
                    running[i].RequestStats(); // the answer is reported at the next tick
                }
            }
            if (Maintenance is not null && maintenanceClock.Elapsed >= MaintenanceInterval)
            {
                maintenanceClock.Restart();
                RunMaintenance();
            }
            stop.WaitHandle.WaitOne(200);
        }
        Shutdown(running);
        foreach (CaptureStream s in running)
        {
            failed |= !s.EndedCleanly;
        }
        return failed ? 1 : 0;
    }

    private void Shutdown(List<CaptureStream> running)
    {
        foreach (CaptureStream s in running)
        {
            s.RequestStop();
        }
        foreach (CaptureStream s in running)
        {
            try
            {
                s.WaitForExit(TimeSpan.FromSeconds(10));
                s.Complete();
                ReportFinished(s);
                Log(s, $"stopped: {s.FinishedCount} file(s) finalised; {s.Stats}");
            }
            finally
            {
                s.Dispose();
            }
        }
    }

    private void ReportFinished(CaptureStream s)
    {
        foreach (string path in s.PollFinished())
        {
            long size = File.Exists(path) ? new FileInfo(path).Length : 0;
            Log(s, $"finished {Path.GetRelativePath(s.Options.SensorDirectory, path)} ({size:N0} bytes)");
            FileFinished?.Invoke(path);
        }
    }

    private void RunMaintenance()
    {
        try
        {
            Maintenance!();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            lock (_log)
            {
                _log.WriteLine($"retention: {e.Message}");
            }
        }
    }

    private void Log(CaptureStream s, string message)
    {
        lock (_log)
        {
            _log.WriteLine($"[{s.Options.Sensor}] {message}");
            _log.Flush();
        }
    }
}
