using PcapStream.Capture;
using System.Globalization;

namespace PcapStream.Config;

/// <summary>
/// One settable key: its dotted name in the file (<c>capture.rotateSeconds</c>), its environment variable
/// (<c>PCAPSTREAM_CAPTURE_ROTATE_SECONDS</c>) and how a text value is applied. A table rather than reflection
/// so every key is visible in one place, documented, and errors name the key and where the value came from.
/// </summary>
public sealed class SettingKey
{
    internal SettingKey(string name, string description, Action<PcapStreamSettings, SettingValue> apply)
    {
        Name = name;
        Description = description;
        Apply = apply;
        EnvironmentVariable = ToEnvironmentName(name);
    }

    /// <summary>Dotted, camelCase name as written in the settings file.</summary>
    public string Name { get; }

    /// <summary>The environment variable that overrides it.</summary>
    public string EnvironmentVariable { get; }

    /// <summary>One line for documentation and <c>--help</c>.</summary>
    public string Description { get; }

    internal Action<PcapStreamSettings, SettingValue> Apply { get; }

    /// <summary><c>capture.rotateSeconds</c> -> <c>PCAPSTREAM_CAPTURE_ROTATE_SECONDS</c>.</summary>
    public static string ToEnvironmentName(string name)
    {
        var sb = new System.Text.StringBuilder("PCAPSTREAM_");
        foreach (char c in name)
        {
            if (c == '.')
            {
                sb.Append('_');
            }
            else if (char.IsUpper(c))
            {
                sb.Append('_').Append(c);
            }
            else
            {
                sb.Append(char.ToUpperInvariant(c));
            }
        }
        return sb.ToString();
    }
}

/// <summary>A raw value from one layer, with where it came from (for error messages).</summary>
/// <param name="Text">Scalar text; for a list, its items joined by commas.</param>
/// <param name="Items">List items (a scalar gives one item; comma-separated text from the environment is split).</param>
/// <param name="Origin">"pcapstream.yaml line 4", "PCAPSTREAM_CAPTURE_ROTATE_SECONDS", "--rotate-seconds".</param>
public sealed record SettingValue(string Text, IReadOnlyList<string> Items, string Origin);

/// <summary>Every key of <see cref="PcapStreamSettings"/>.</summary>
public static class SettingKeys
{
    /// <summary>All keys, in documentation order.</summary>
    public static IReadOnlyList<SettingKey> All { get; } =
    [
        new("capture.interfaces", "interfaces to capture on (list); empty: the default-route interface",
            (s, v) => { s.Capture.Interfaces.Clear(); s.Capture.Interfaces.AddRange(v.Items); }),
        new("capture.directory", "root of the capture tree", (s, v) => s.Capture.Directory = Text(v)),
        new("capture.sensor", "sensor name (folder under the capture root); default: the interface name",
            (s, v) => s.Capture.Sensor = Text(v)),
        new("capture.rotateSeconds", "seconds per file (tcpdump -G), at least 1; default 20",
            (s, v) => s.Capture.RotateSeconds = Int(v, 1, 86_400)),
        new("capture.rotateMegabytes", "megabytes per file (tcpdump -C), 0 = off; default 100",
            (s, v) => s.Capture.RotateMegabytes = Int(v, 0, 1_000_000)),
        new("capture.maxFiles", "stop after this many files, 0 = never; default 0",
            (s, v) => s.Capture.MaxFiles = Int(v, 0, int.MaxValue)),
        new("capture.snaplen", "bytes kept per packet, 0 = whole packet; default 0",
            (s, v) => s.Capture.Snaplen = Int(v, 0, 262_144)),
        new("capture.filter", "BPF filter expression", (s, v) => s.Capture.Filter = Text(v)),
        new("capture.filePrefix", "file name prefix; default dump",
            (s, v) => s.Capture.FilePrefix = CaptureNaming.ValidatePrefix(v.Text, v.Origin)),
        new("capture.directoryFormat", "date folders, strftime %Y %m %d %H %M %S; default %Y/%m/%d",
            (s, v) => s.Capture.DirectoryFormat = CaptureNaming.ValidateDirectoryFormat(v.Text, v.Origin)),
        new("capture.timeZone", "UTC (default) or local, for file and folder names",
            (s, v) => s.Capture.TimeZone = OneOf(v, "UTC", "local")),
        new("capture.statsIntervalSeconds", "seconds between drop reports, 0 = only at exit; default 60",
            (s, v) => s.Capture.StatsIntervalSeconds = Int(v, 0, 86_400)),
        new("capture.bufferMegabytes", "kernel capture buffer in MiB (tcpdump -B), 0 = libpcap default; default 64",
            (s, v) => s.Capture.BufferMegabytes = Int(v, 0, 65_536)),
        new("capture.tcpdump", "the tcpdump program; default tcpdump (on PATH)", (s, v) => s.Capture.Tcpdump = v.Text),
        new("capture.user", "user tcpdump drops to when started as root (tcpdump -Z); default: stay root",
            (s, v) => s.Capture.User = Text(v)),
        new("run.input", "capture tree the job watches", (s, v) => s.Run.Input = Text(v)),
        new("run.output", "dataset root", (s, v) => s.Run.Output = Text(v)),
        new("run.intervalSeconds", "seconds between micro-batches; default 30",
            (s, v) => s.Run.IntervalSeconds = Int(v, 1, 86_400)),
        new("run.hiddenStaleSeconds", "a hidden file untouched this long is taken as complete, 0 = never; default 3600",
            (s, v) => s.Run.HiddenStaleSeconds = Int(v, 0, int.MaxValue)),
        new("retention.captureKeepDays", "delete captures older than this, 0 = keep", (s, v) => s.Retention.CaptureKeepDays = Number(v)),
        new("retention.captureKeepGigabytes", "cap on the capture tree in GB, 0 = none", (s, v) => s.Retention.CaptureKeepGigabytes = Number(v)),
        new("retention.datasetKeepDays", "delete dataset hours older than this, 0 = keep", (s, v) => s.Retention.DatasetKeepDays = Number(v)),
        new("retention.datasetKeepGigabytes", "cap on the datasets in GB, 0 = none", (s, v) => s.Retention.DatasetKeepGigabytes = Number(v)),
        new("retention.deleteUnprocessed", "let the size cap delete captures no batch has taken; default false",
            (s, v) => s.Retention.DeleteUnprocessed = Bool(v)),
        new("retention.intervalSeconds", "seconds between retention passes inside capture; default 300",
            (s, v) => s.Retention.IntervalSeconds = Int(v, 1, int.MaxValue)),
        new("elasticsearch.url", "Elasticsearch/OpenSearch URL", (s, v) => s.Elasticsearch.Url = Text(v)),
        new("elasticsearch.username", "basic-auth user", (s, v) => s.Elasticsearch.Username = Text(v)),
        new("elasticsearch.password", "password: environment only (PCAPSTREAM_ELASTICSEARCH_PASSWORD)",
            (s, v) => s.Elasticsearch.Password = v.Text),
        new("elasticsearch.passwordFile", "file holding the password", (s, v) => s.Elasticsearch.PasswordFile = Text(v)),
        new("elasticsearch.indexPrefix", "daily index prefix; default pcapstream", (s, v) => s.Elasticsearch.IndexPrefix = v.Text),
    ];

    /// <summary>Finds a key by its dotted name (case-insensitive), or null.</summary>
    public static SettingKey? Find(string name)
    {
        foreach (SettingKey key in All)
        {
            if (string.Equals(key.Name, name, StringComparison.OrdinalIgnoreCase))
            {
                return key;
            }
        }
        return null;
    }

    private static string? Text(SettingValue v) => v.Text.Length == 0 ? null : v.Text;

    private static int Int(SettingValue v, int min, int max)
    {
        if (!int.TryParse(v.Text, NumberStyles.Integer, CultureInfo.InvariantCulture, out int n))
        {
            throw new SettingsException($"{v.Origin}: '{v.Text}' is not a whole number.");
        }
        if (n < min || n > max)
        {
            throw new SettingsException($"{v.Origin}: {n} is out of range ({min} to {max}).");
        }
        return n;
    }

    private static double Number(SettingValue v)
    {
        if (!double.TryParse(v.Text, NumberStyles.Float, CultureInfo.InvariantCulture, out double d) || d < 0 || !double.IsFinite(d))
        {
            throw new SettingsException($"{v.Origin}: '{v.Text}' is not a number >= 0.");
        }
        return d;
    }

    private static bool Bool(SettingValue v) => v.Text.ToLowerInvariant() switch
    {
        "true" or "yes" or "on" or "1" => true,
        "false" or "no" or "off" or "0" => false,
        _ => throw new SettingsException($"{v.Origin}: '{v.Text}' is not true or false."),
    };

    private static string OneOf(SettingValue v, params string[] allowed)
    {
        foreach (string a in allowed)
        {
            if (string.Equals(a, v.Text, StringComparison.OrdinalIgnoreCase))
            {
                return a;
            }
        }
        throw new SettingsException($"{v.Origin}: '{v.Text}' must be one of {string.Join(", ", allowed)}.");
    }
}

/// <summary>A settings file or value is wrong; the message names the key, the value and where it came from.</summary>
public sealed class SettingsException(string message) : IOException(message);
