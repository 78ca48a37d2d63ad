using System.Globalization;
using System.Text;
using PcapStream.Config;

namespace PcapStream.Capture;

/// <summary>
/// File names of <c>pcapstream capture</c>. tcpdump writes hidden files straight into the sensor folder
/// (<c>.dump-20261126-141500.pcap</c>, plus a part number when size rotation splits a period: <c>.pcap1</c>);
/// the post-rotate hook moves each finished one to <c>&lt;directoryFormat&gt;/dump-20261126-141500.pcap</c>.
/// The date folder comes from the time in the name (when tcpdump opened the file), so a file opened at
/// 23:59:50 stays in that day's folder however late it closes, and tcpdump never needs a folder that does not
/// exist yet (it does not create folders; strftime in -w would fail at midnight).
/// </summary>
public static class CaptureNaming
{
    /// <summary>strftime tokens allowed in the directory format (all fixed-width numbers).</summary>
    private const string Tokens = "YmdHMS";

    /// <summary>
    /// Hidden folder in the sensor folder for capture's own files. A folder, not hidden files beside the captures:
    /// the job takes a hidden file left unchanged past its stale age as a capture killed mid-write, and the lock
    /// or the hook never change; files inside hidden folders it never lists.
    /// </summary>
    public const string StateDirectoryName = ".pcapstream";

    /// <summary>The post-rotate hook tcpdump runs (relative to the sensor folder).</summary>
    public const string HookFileName = StateDirectoryName + "/hook.sh";

    /// <summary>The hook appends each finalised file's path here, one per line (relative to the sensor folder).</summary>
    public const string FinishedLogName = StateDirectoryName + "/finished.log";

    /// <summary>Held (flock) while a capture writes to the sensor folder, so two captures never share one.</summary>
    public const string LockFileName = StateDirectoryName + "/lock";

    /// <summary>The <c>-w</c> argument: strftime pattern of the hidden file tcpdump writes.</summary>
    public static string HiddenPattern(string sensorDirectory, string prefix) =>
        Path.Combine(sensorDirectory, "." + prefix + "-%Y%m%d-%H%M%S.pcap");

    /// <summary>
    /// Parses a hidden name written by tcpdump (<c>.dump-20261126-141500.pcap</c> or <c>...pcap3</c>).
    /// Returns false for any other name (including our own helper files).
    /// </summary>
    public static bool TryParseHidden(string fileName, string prefix, out DateTime opened, out int part)
    {
        opened = default;
        part = 0;
        string head = "." + prefix + "-";
        if (!fileName.StartsWith(head, StringComparison.Ordinal))
        {
            return false;
        }
        ReadOnlySpan<char> rest = fileName.AsSpan(head.Length);
        // yyyyMMdd-HHmmss.pcap = 20 characters, then optional part digits.
        if (rest.Length < 20 || !rest[15..20].SequenceEqual(".pcap")
            || !DateTime.TryParseExact(rest[..15], "yyyyMMdd-HHmmss", CultureInfo.InvariantCulture, DateTimeStyles.None, out opened))
        {
            return false;
        }
        ReadOnlySpan<char> digits = rest[20..];
        return digits.Length == 0 || int.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out part);
    }

    /// <summary>
    /// The visible path a finished hidden file moves to; <paramref name="numberParts"/> (size rotation on)
    /// adds <c>-000</c>, <c>-001</c>, ... so names sort in capture order. Null when the name is not ours.
    /// </summary>
    public static string? VisiblePath(string hiddenPath, string prefix, string directoryFormat, bool numberParts)
    {
        string dir = Path.GetDirectoryName(hiddenPath) ?? ".";
        if (!TryParseHidden(Path.GetFileName(hiddenPath), prefix, out DateTime t, out int part))
        {
            return null;
        }
        var name = new StringBuilder(prefix).Append('-').Append(t.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture));
        if (numberParts)
        {
            name.Append('-').Append(part.ToString("000", CultureInfo.InvariantCulture));
        }
        name.Append(".pcap");
        string folder = ExpandDirectoryFormat(directoryFormat, t);
        return folder.Length == 0 ? Path.Combine(dir, name.ToString()) : Path.Combine(dir, folder, name.ToString());
    }

    /// <summary>Expands %Y %m %d %H %M %S in a validated directory format.</summary>
    public static string ExpandDirectoryFormat(string format, DateTime t)
    {
        var sb = new StringBuilder();
        for (int i = 0; i < format.Length; i++)
        {
            if (format[i] == '%' && i + 1 < format.Length)
            {
                i++;
                sb.Append(format[i] switch
                {
                    'Y' => t.Year.ToString("0000", CultureInfo.InvariantCulture),
                    'm' => t.Month.ToString("00", CultureInfo.InvariantCulture),
                    'd' => t.Day.ToString("00", CultureInfo.InvariantCulture),
                    'H' => t.Hour.ToString("00", CultureInfo.InvariantCulture),
                    'M' => t.Minute.ToString("00", CultureInfo.InvariantCulture),
                    _ => t.Second.ToString("00", CultureInfo.InvariantCulture),
                });
            }
            else
            {
                sb.Append(format[i]);
            }
        }
        return sb.ToString().Trim('/');
    }

    /// <summary>
    /// Checks a directory format: only %Y %m %d %H %M %S and the characters <c>A-Z a-z 0-9 / . _ - =</c>
    /// (it is pasted into a shell script, so nothing that a shell would interpret), no <c>..</c> segment.
    /// </summary>
    /// <exception cref="SettingsException">The format holds anything else.</exception>
    public static string ValidateDirectoryFormat(string format, string origin)
    {
        for (int i = 0; i < format.Length; i++)
        {
            char c = format[i];
            if (c == '%')
            {
                if (i + 1 >= format.Length || !Tokens.Contains(format[i + 1], StringComparison.Ordinal))
                {
                    throw new SettingsException($"{origin}: '{format}' may use only %Y %m %d %H %M %S.");
                }
                i++;
            }
            else if (!IsSafe(c) && c != '/')
            {
                throw new SettingsException($"{origin}: '{format}' may hold only letters, digits, '/', '.', '_', '-', '=' and %-tokens.");
            }
        }
        if (format.Split('/').Contains(".."))
        {
            throw new SettingsException($"{origin}: '{format}' may not climb out of the sensor folder ('..').");
        }
        return format;
    }

    /// <summary>Checks a file prefix: letters, digits, '.', '_', '-', not starting with '.'.</summary>
    /// <exception cref="SettingsException">The prefix is empty or holds anything else.</exception>
    public static string ValidatePrefix(string prefix, string origin)
    {
        bool ok = prefix.Length > 0 && prefix[0] != '.' && prefix[0] != '-';
        foreach (char c in prefix)
        {
            ok &= IsSafe(c) && c != '=';
        }
        return ok ? prefix : throw new SettingsException($"{origin}: file prefix '{prefix}' may hold only letters, digits, '.', '_' and '-', and not start with '.' or '-'.");
    }

    /// <summary>Checks a sensor name (a folder name): the same characters as a prefix.</summary>
    public static string ValidateSensor(string sensor, string origin)
    {
        bool ok = sensor.Length > 0 && sensor[0] != '.' && sensor[0] != '-';
        foreach (char c in sensor)
        {
            ok &= IsSafe(c) && c != '=';
        }
        return ok ? sensor : throw new SettingsException($"{origin}: sensor name '{sensor}' may hold only letters, digits, '.', '_' and '-', and not start with '.' or '-'.");
    }

    private static bool IsSafe(char c) => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-' or '=';
}
