namespace PcapStream.Capture;

/// <summary>Turns tcpdump's startup failure (its stderr and exit code) into one sentence saying what is missing.</summary>
public static class CaptureDiagnosis
{
    /// <summary>The explanation for an operator; <paramref name="stderr"/> is everything tcpdump printed.</summary>
    public static string Explain(CaptureStreamOptions o, string stderr, int exitCode, bool runningAsRoot)
    {
        string last = LastMeaningfulLine(stderr);
        if (Has(stderr, "No such device") || Has(stderr, "doesn't exist") || Has(stderr, "no such device"))
        {
            return $"interface '{o.Interface}' does not exist; interfaces here: {string.Join(", ", ListInterfaces())}.";
        }
        if (Has(stderr, "syntax error") || Has(stderr, "can't parse filter") || Has(stderr, "illegal token") || Has(stderr, "unknown host"))
        {
            return $"the capture filter '{o.Filter}' is not valid tcpdump (BPF) syntax: {last}";
        }
        if (Has(stderr, "Couldn't find user") || Has(stderr, "Couldn't change"))
        {
            return $"tcpdump cannot switch to user '{o.User}' (capture.user): {last}";
        }
        if (Has(stderr, o.SensorDirectory) && (Has(stderr, "Permission denied") || Has(stderr, "Read-only")))
        {
            string who = runningAsRoot ? $" as user '{o.User ?? "root"}'" : "";
            return $"tcpdump cannot write to {o.SensorDirectory}{who}: {last}";
        }
        if (Has(stderr, "permission") || Has(stderr, "Operation not permitted"))
        {
            return runningAsRoot
                ? $"capturing on '{o.Interface}' is not permitted even as root (a container without CAP_NET_RAW/CAP_NET_ADMIN? add them, e.g. docker run --cap-add NET_RAW --cap-add NET_ADMIN): {last}"
                : $"no permission to capture on '{o.Interface}': run as root, or give tcpdump the capabilities once with 'sudo setcap cap_net_raw,cap_net_admin=eip {o.TcpdumpPath}' (tcpdump: {last})";
        }
        return $"tcpdump failed on '{o.Interface}' (exit code {exitCode}): {last}";
    }

    /// <summary>Resolves the tcpdump program (a path, or a name searched on PATH and the sbin folders non-root PATHs lack).</summary>
    /// <exception cref="CaptureException">tcpdump is not installed; the message says how to install it.</exception>
    public static string FindTcpdump(string configured)
    {
        if (configured.Contains('/', StringComparison.Ordinal))
        {
            return File.Exists(configured) ? configured
                : throw new CaptureException($"tcpdump was not found at {configured} (capture.tcpdump).");
        }
        string path = Environment.GetEnvironmentVariable("PATH") ?? "";
        foreach (string dir in path.Split(':', StringSplitOptions.RemoveEmptyEntries).Concat(["/usr/sbin", "/sbin", "/usr/local/sbin"]))
        {
            string candidate = Path.Combine(dir, configured);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }
        throw new CaptureException($"{configured} is not installed (or not on PATH): install it with 'sudo apt-get install tcpdump' (Debian/Ubuntu) or 'sudo dnf install tcpdump' (Fedora/RHEL), or set capture.tcpdump to its path.");
    }

    /// <summary>Network interfaces of this machine (from /sys/class/net), sorted.</summary>
    public static List<string> ListInterfaces()
    {
        var list = new List<string>();
        try
        {
            foreach (string d in Directory.EnumerateFileSystemEntries("/sys/class/net"))
            {
                list.Add(Path.GetFileName(d));
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // no sysfs: an empty list says so
        }
        list.Sort(StringComparer.Ordinal);
        return list;
    }

    private static bool Has(string text, string what) => text.Contains(what, StringComparison.Ordinal);

    private static string LastMeaningfulLine(string stderr)
    {
        string[] lines = stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        for (int i = lines.Length - 1; i >= 0; i--)
        {
            if (!lines[i].StartsWith("Usage", StringComparison.Ordinal) && !lines[i].StartsWith('\t') && lines[i].Length > 0)
            {
                return lines[i];
            }
        }
        return "(no message)";
    }
}
