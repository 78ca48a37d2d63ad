namespace PcapStream.Tests.Capture;

/// <summary>Independent oracles (tshark, capinfos) and the environment checks the live capture tests need.</summary>
internal static class CaptureTools
{
    public static bool Has(string program)
    {
        foreach (string dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Concat(["/usr/sbin", "/sbin"]))
        {
            if (dir.Length > 0 && File.Exists(Path.Combine(dir, program)))
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>Skips unless running as root with tcpdump (CI runs as root and installs it).</summary>
    public static void RequireLiveCapture()
    {
        if (Environment.UserName != "root")
        {
            Assert.Skip("live capture tests need root (CI runs them as root); run 'sudo dotnet test' to include them.");
        }
        if (!Has("tcpdump"))
        {
            Assert.Skip("tcpdump is not installed: sudo apt-get install tcpdump");
        }
        RequireTshark();
    }

    public static void RequireTshark()
    {
        if (!Has("tshark"))
        {
            Assert.Skip("tshark (the independent oracle) is not installed: sudo apt-get install tshark");
        }
    }

    /// <summary>Runs a program; returns stdout, failing the test with stderr on a non-zero exit.</summary>
    public static string Run(string program, params string[] args)
    {
        Cli.CliRunner.Result r = Cli.CliRunner.RunProgram(program, null, args);
        Assert.True(r.ExitCode == 0, $"{program} {string.Join(' ', args)} failed: {r.Stderr}");
        return r.Stdout;
    }

    /// <summary>Packets tshark reads from <paramref name="path"/> (fails the test when tshark reports damage).</summary>
    public static int TsharkCount(string path)
    {
        RequireTshark();
        string output = Run("tshark", "-n", "-r", path, "-T", "fields", "-e", "frame.number");
        return output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length;
    }

    /// <summary>The pid of the tcpdump writing the sensor folder's hidden files (from /proc/*/cmdline), 0 when none.</summary>
    public static int TcpdumpPid(string sensorDirectory, string prefix = "dump")
    {
        string pattern = PcapStream.Capture.CaptureNaming.HiddenPattern(sensorDirectory, prefix);
        foreach (string dir in Directory.EnumerateDirectories("/proc"))
        {
            try
            {
                if (File.ReadAllText(Path.Combine(dir, "cmdline")).Split('\0').Contains(pattern))
                {
                    return int.Parse(Path.GetFileName(dir), System.Globalization.CultureInfo.InvariantCulture);
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException)
            {
                continue;
            }
        }
        return 0;
    }
}
