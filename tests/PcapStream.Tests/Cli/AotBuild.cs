namespace PcapStream.Tests.Cli;

/// <summary>
/// The Native AOT build of the whole <c>pcapstream</c> program (what <c>./pcapstream</c> runs when clang is
/// installed), published once per test run into a temporary folder with its own artifacts path (the checkout's
/// obj/ is not touched). Tests compare it with the JIT program copied beside the tests (<see cref="CliRunner"/>).
/// </summary>
internal static class AotBuild
{
    private static readonly Lazy<string> Exe = new(Publish);

    /// <summary>Path of the AOT executable; skips the test when clang (the one Debian package Native AOT needs) is absent.</summary>
    public static string Require()
    {
        if (!OnPath("clang"))
        {
            Assert.Skip("clang is not installed, so the Native AOT pcapstream cannot be built (apt-get install clang); ./pcapstream then runs the JIT build.");
        }
        return Exe.Value;
    }

    public static CliRunner.Result Run(string exe, params string[] args) => CliRunner.RunProgram(exe, null, args);

    private static string Publish()
    {
        string root = RepoRoot();
        string dir = Path.Combine(Path.GetTempPath(), "pcapstream-aot-" + Guid.NewGuid().ToString("N"));
        AppDomain.CurrentDomain.ProcessExit += (_, _) => Directory.Delete(dir, recursive: true);
        CliRunner.Result r = Run("dotnet", "publish", Path.Combine(root, "src", "PcapStream.Cli", "PcapStream.Cli.csproj"),
            "-c", "Release", "-p:PublishAot=true", "--artifacts-path", Path.Combine(dir, "artifacts"), "-o", Path.Combine(dir, "out"), "--nologo");
        // Warnings are errors in this repository, so a clean exit also means no new AOT/trim warning in our code.
        Assert.True(r.ExitCode == 0, "Native AOT publish failed:\n" + r.Stdout + r.Stderr);
        return Path.Combine(dir, "out", "pcapstream");
    }

    private static bool OnPath(string program) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Any(d => File.Exists(Path.Combine(d, program)));

    private static string RepoRoot()
    {
        for (DirectoryInfo? d = new(AppContext.BaseDirectory); d is not null; d = d.Parent)
        {
            if (File.Exists(Path.Combine(d.FullName, "PcapStream.slnx")))
            {
                return d.FullName;
            }
        }
        throw new InvalidOperationException("PcapStream.slnx not found above " + AppContext.BaseDirectory);
    }
}
