using PcapStream.Config;

namespace PcapStream.Capture;

/// <summary>Everything one tcpdump (one interface, one sensor folder) runs with; built from the settings.</summary>
public sealed record CaptureStreamOptions
{
    /// <summary>Interface name (tcpdump -i).</summary>
    public required string Interface { get; init; }

    /// <summary>Sensor (capture stream) name: the folder under the capture root.</summary>
    public required string Sensor { get; init; }

    /// <summary>Absolute sensor folder: hidden files are written here, finished ones go below it.</summary>
    public required string SensorDirectory { get; init; }

    /// <summary>Seconds per file (tcpdump -G, at least 1).</summary>
    public int RotateSeconds { get; init; } = 20;

    /// <summary>Megabytes per file (tcpdump -C, 10^6 bytes); 0 = off.</summary>
    public int RotateMegabytes { get; init; }

    /// <summary>Stop after this many files; 0 = never.</summary>
    public int MaxFiles { get; init; }

    /// <summary>Bytes per packet kept; 0 = whole packet.</summary>
    public int Snaplen { get; init; }

    /// <summary>BPF filter, or null.</summary>
    public string? Filter { get; init; }

    /// <summary>File name prefix.</summary>
    public string Prefix { get; init; } = "dump";

    /// <summary>Date folders below the sensor folder.</summary>
    public string DirectoryFormat { get; init; } = "%Y/%m/%d";

    /// <summary>File and folder names in UTC (true) or local time.</summary>
    public bool UtcNames { get; init; } = true;

    /// <summary>Kernel buffer in MiB (tcpdump -B); 0 = libpcap default.</summary>
    public int BufferMegabytes { get; init; }

    /// <summary>Resolved path of tcpdump.</summary>
    public required string TcpdumpPath { get; init; }

    /// <summary>User tcpdump drops to when run as root; null = stay root.</summary>
    public string? User { get; init; }

    /// <summary>
    /// Dataset root of the job reading these captures (<c>run.output</c>), or null. A hidden file left by a
    /// killed capture that the job's source log shows it already took (as stale) is then left as is at start:
    /// renaming it would give the job a new name to ingest a second time.
    /// </summary>
    public string? JobOutput { get; init; }

    /// <summary>True when size rotation numbers the parts of a period.</summary>
    public bool NumberParts => RotateMegabytes > 0;

    /// <summary>
    /// One stream per interface: sensor = the configured sensor (one interface), <c>sensor-iface</c> (several),
    /// or the interface name (no sensor configured).
    /// </summary>
    public static List<CaptureStreamOptions> FromSettings(CaptureSettings s, IReadOnlyList<string> interfaces, string tcpdumpPath)
    {
        string root = Path.GetFullPath(s.Directory ?? throw new SettingsException("no capture directory: give --dir or set capture.directory."));
        var list = new List<CaptureStreamOptions>();
        var sensors = new HashSet<string>(StringComparer.Ordinal);
        foreach (string iface in interfaces)
        {
            string sensor = s.Sensor is null ? iface : interfaces.Count == 1 ? s.Sensor : s.Sensor + "-" + iface;
            CaptureNaming.ValidateSensor(sensor, "sensor");
            if (!sensors.Add(sensor))
            {
                throw new SettingsException($"interface '{iface}' is given twice.");
            }
            list.Add(new CaptureStreamOptions
            {
                Interface = iface,
                Sensor = sensor,
                SensorDirectory = Path.Combine(root, sensor),
                RotateSeconds = s.RotateSeconds,
                RotateMegabytes = s.RotateMegabytes,
                MaxFiles = s.MaxFiles,
                Snaplen = s.Snaplen,
                Filter = s.Filter,
                Prefix = s.FilePrefix,
                DirectoryFormat = s.DirectoryFormat,
                UtcNames = s.TimeZone == "UTC",
                BufferMegabytes = s.BufferMegabytes,
                TcpdumpPath = tcpdumpPath,
                User = s.User,
            });
        }
        return list;
    }

    /// <summary>tcpdump's arguments (without the program), filter last.</summary>
    public List<string> TcpdumpArguments(string hookPath, bool runningAsRoot)
    {
        var args = new List<string> { "-i", Interface, "-n", "-s", Snaplen.ToString(System.Globalization.CultureInfo.InvariantCulture) };
        if (BufferMegabytes > 0)
        {
            args.Add("-B");
            args.Add((BufferMegabytes * 1024).ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
        args.Add("-G");
        args.Add(RotateSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture));
        if (RotateMegabytes > 0)
        {
            args.Add("-C");
            args.Add(RotateMegabytes.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
        else if (MaxFiles > 0)
        {
            // With -G alone, -W makes tcpdump exit after exactly N files (and run the hook on the last).
            // With -C it would instead recycle part numbers, so then the supervisor counts files itself.
            args.Add("-W");
            args.Add(MaxFiles.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
        if (runningAsRoot)
        {
            // Debian's tcpdump drops to user 'tcpdump' by default, which cannot write an operator's folder.
            args.Add("-Z");
            args.Add(User ?? "root");
        }
        args.Add("-w");
        args.Add(CaptureNaming.HiddenPattern(SensorDirectory, Prefix));
        args.Add("-z");
        args.Add(hookPath);
        if (!string.IsNullOrWhiteSpace(Filter))
        {
            args.Add(Filter);
        }
        return args;
    }
}
