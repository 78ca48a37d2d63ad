using System.Text;

namespace PcapStream.Capture;

/// <summary>
/// The post-rotate hook tcpdump runs (<c>-z</c>) with the path of each file it has closed. A POSIX sh script
/// rather than <c>pcapstream</c> itself: tcpdump forks it once per file, a shell starts in about a millisecond
/// where the .NET runtime needs a hundred or more, and it needs nothing but <c>mkdir</c> and <c>mv</c>, so it
/// works after tcpdump dropped privileges (-Z) and under AppArmor profiles that allow /bin/sh. It does what
/// <see cref="CaptureNaming.VisiblePath"/> does (tests hold the two to the same answers), with one rename, so
/// the visible file appears complete or not at all.
/// </summary>
public static class HookScript
{
    /// <summary>The script text for one sensor folder's naming.</summary>
    /// <param name="prefix">Validated file prefix.</param>
    /// <param name="directoryFormat">Validated directory format (%Y %m %d %H %M %S).</param>
    /// <param name="numberParts">Size rotation is on: names carry a 3-digit part number.</param>
    public static string Generate(string prefix, string directoryFormat, bool numberParts)
    {
        string folder = ToShell(directoryFormat.Trim('/'));
        string partSuffix = numberParts ? "-$part" : "";
        string dest = folder.Length == 0
            ? $"$dir/{prefix}-$Y$m$d-$H$M$S{partSuffix}.pcap"
            : $"$dir/{folder}/{prefix}-$Y$m$d-$H$M$S{partSuffix}.pcap";
        var sb = new StringBuilder();
        sb.Append("#!/bin/sh\n");
        sb.Append("# Written by `pcapstream capture` (regenerated at each start; edits are lost).\n");
        sb.Append("# tcpdump -z runs it with each finished hidden file; one rename makes it visible in its date folder.\n");
        sb.Append("src=$1\n");
        sb.Append("[ -f \"$src\" ] || exit 0   # already finalised (by capture at exit, or an earlier run)\n");
        sb.Append("dir=${src%/*}\n");
        sb.Append("name=${src##*/}\n");
        sb.Append($"rest=${{name#.{prefix}-}}\n");
        sb.Append("stamp=${rest%%.pcap*}\n");
        sb.Append("part=${rest#\"$stamp\".pcap}\n");
        sb.Append("case $stamp in\n");
        sb.Append("    [0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9]-[0-9][0-9][0-9][0-9][0-9][0-9]) ;;\n");
        sb.Append("    *) echo \"pcapstream hook: not a capture name: $name\" >&2; exit 1 ;;\n");
        sb.Append("esac\n");
        // Fixed-width slicing with ? patterns: POSIX sh has no substrings, and this forks nothing.
        sb.Append("Y=${stamp%???????????}; t=${stamp#????}\n");
        sb.Append("m=${t%?????????}; t=${t#??}\n");
        sb.Append("d=${t%???????}; t=${t#???}\n");
        sb.Append("H=${t%????}; t=${t#??}\n");
        sb.Append("M=${t%??}; S=${t#??}\n");
        sb.Append("case $part in\n");
        sb.Append("    '') part=000 ;;\n");
        sb.Append("    ?) part=00$part ;;\n");
        sb.Append("    ??) part=0$part ;;\n");
        sb.Append("esac\n");
        sb.Append($"dest=\"{dest}\"\n");
        sb.Append("mkdir -p \"${dest%/*}\" || exit 1\n");
        // Never replace a finished file (a restart within the same second would reuse the name).
        sb.Append("n=1; base=${dest%.pcap}\n");
        sb.Append("while [ -e \"$dest\" ]; do dest=\"$base.$n.pcap\"; n=$((n + 1)); done\n");
        sb.Append("if ! mv \"$src\" \"$dest\" 2>/dev/null; then\n");
        sb.Append("    [ -e \"$src\" ] || exit 0   # another finaliser (capture at exit) took it first\n");
        sb.Append("    echo \"pcapstream hook: cannot move $src to $dest\" >&2; exit 1\n");
        sb.Append("fi\n");
        sb.Append($"printf '%s\\n' \"$dest\" >> \"$dir/{CaptureNaming.FinishedLogName}\"\n");
        return sb.ToString();
    }

    /// <summary>Writes the script into the sensor folder (mode 0755) and returns its path.</summary>
    public static string Write(string sensorDirectory, string prefix, string directoryFormat, bool numberParts)
    {
        string path = Path.Combine(sensorDirectory, CaptureNaming.HookFileName);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        string temp = path + ".tmp";
        File.WriteAllText(temp, Generate(prefix, directoryFormat, numberParts));
        if (OperatingSystem.IsWindows())
        {
            throw new PlatformNotSupportedException("capture runs tcpdump on Linux or another Unix.");
        }
        File.SetUnixFileMode(temp, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
            | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        File.Move(temp, path, overwrite: true);
        return path;
    }

    private static string ToShell(string format)
    {
        var sb = new StringBuilder();
        for (int i = 0; i < format.Length; i++)
        {
            if (format[i] == '%' && i + 1 < format.Length)
            {
                i++;
                sb.Append("${").Append(format[i]).Append('}');
            }
            else
            {
                sb.Append(format[i]);
            }
        }
        return sb.ToString();
    }
}
