using System.Diagnostics;
using PcapStream.Retention;

namespace PcapStream.Capture;

public sealed partial class CaptureStream
{
    /// <summary>
    /// Finalises every hidden capture file in the sensor folder, oldest name first, through the hook script (so
    /// names and folders are exactly the hook's). With <paramref name="repair"/> (its writer was killed) each is
    /// first cut back to its last complete record, and a file too short to hold a pcap header is removed: it
    /// holds no packet. Safe against a hook still running for the same file: whoever renames first wins.
    /// </summary>
    private int FinalizeLeftovers(bool repair)
    {
        var hidden = new List<string>();
        foreach (string path in Directory.EnumerateFiles(_options.SensorDirectory, "." + _options.Prefix + "-*"))
        {
            if (CaptureNaming.TryParseHidden(Path.GetFileName(path), _options.Prefix, out _, out _))
            {
                hidden.Add(path);
            }
        }
        hidden.Sort(StringComparer.Ordinal);
        int finalised = 0;
        BatchLog? job = null;
        foreach (string path in hidden)
        {
            if (_options.JobOutput is not null && (job ??= BatchLog.Read(_options.JobOutput)).WasTaken(Path.GetFullPath(path)))
            {
                Log($"left {Path.GetFileName(path)} hidden: the job already took it as a stale file; renaming it would ingest it twice");
                continue;
            }
            if (repair)
            {
                CaptureTail.Result r;
                try
                {
                    r = CaptureTail.Inspect(path);
                }
                catch (FileNotFoundException)
                {
                    continue; // a hook finalised it meanwhile
                }
                if (!r.HasHeader)
                {
                    if (r.Damage is null)
                    {
                        File.Delete(path);
                        Log($"removed {Path.GetFileName(path)}: {r.FileLength} bytes, no packet was written before tcpdump died");
                    }
                    else
                    {
                        Log($"left {Path.GetFileName(path)} hidden: {r.Damage}");
                    }
                    continue;
                }
                if (r.IsRepairable)
                {
                    long cut = CaptureTail.TrimIncomplete(path);
                    Log($"repaired {Path.GetFileName(path)}: cut {cut} bytes of a record tcpdump had not finished writing ({r.Records} complete packets kept)");
                }
                else if (r.Damage is not null)
                {
                    // Finalised as is: the job reads every record before the damage and reports where it is.
                    Log($"{Path.GetFileName(path)} is damaged after {r.Records} packets ({r.Damage}); finalised as is");
                }
            }
            if (RunHook(path))
            {
                finalised++;
            }
        }
        return finalised;
    }

    private bool RunHook(string hiddenPath)
    {
        bool asUser = _options.User is not null && Native.IsRoot;
        var psi = new ProcessStartInfo(asUser ? "runuser" : "/bin/sh") { UseShellExecute = false, RedirectStandardError = true };
        if (asUser)
        {
            // Folders the hook creates must belong to the user tcpdump runs as, or its later renames fail.
            foreach (string a in (string[])["-u", _options.User!, "--", "/bin/sh"])
            {
                psi.ArgumentList.Add(a);
            }
        }
        psi.ArgumentList.Add(_hookPath!);
        psi.ArgumentList.Add(hiddenPath);
        using Process p = Process.Start(psi)!;
        string err = p.StandardError.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0)
        {
            Log($"could not finalise {Path.GetFileName(hiddenPath)}: {err.Trim()}");
            return false;
        }
        return true;
    }

    /// <summary>When tcpdump will drop to another user, that user must own the sensor folder and the hook's log.</summary>
    private void HandOverToUser()
    {
        if (_options.User is null || !Native.IsRoot)
        {
            return;
        }
        var psi = new ProcessStartInfo("chown") { UseShellExecute = false, RedirectStandardError = true };
        foreach (string a in (string[])[_options.User + ":", _options.SensorDirectory,
                     Path.Combine(_options.SensorDirectory, CaptureNaming.StateDirectoryName), Path.Combine(_options.SensorDirectory, CaptureNaming.FinishedLogName)])
        {
            psi.ArgumentList.Add(a);
        }
        using Process p = Process.Start(psi)!;
        string err = p.StandardError.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0)
        {
            throw new CaptureException($"cannot hand {_options.SensorDirectory} to user '{_options.User}' (capture.user): {err.Trim()}");
        }
    }

    /// <summary>
    /// A tcpdump still writing this folder's pattern (its pcapstream was killed, it was not): starting a second
    /// one would finalise files the first is still writing. Scans /proc/*/cmdline for the exact -w argument.
    /// </summary>
    private static int FindTcpdumpWriting(string pattern)
    {
        try
        {
            foreach (string dir in Directory.EnumerateDirectories("/proc"))
            {
                string name = Path.GetFileName(dir);
                if (name.Length == 0 || !char.IsAsciiDigit(name[0]) || !int.TryParse(name, out int pid) || pid == Environment.ProcessId)
                {
                    continue;
                }
                string cmdline;
                try
                {
                    cmdline = File.ReadAllText(Path.Combine(dir, "cmdline"));
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    continue;
                }
                foreach (string arg in cmdline.Split('\0'))
                {
                    if (arg == pattern)
                    {
                        return pid;
                    }
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return 0; // no /proc: nothing to check
        }
        return 0;
    }
}
