using System.Diagnostics;
using PcapStream.Tests.Support;

namespace PcapStream.Tests.Cli;

/// <summary>
/// <c>pcapstream-fast</c> (src/PcapStream.Fast, Native AOT; what <c>./pcapstream</c> runs for <c>packets --count</c>
/// and <c>flows --count</c>) prints exactly what the JIT <c>pcapstream</c> prints: same totals, same error
/// sentence, same exit code, on every capture of the corpus including the damaged ones. The AOT build is published
/// once per test run into a temporary folder (its own artifacts path, so the checkout's obj/ is not touched).
/// Skipped when clang is not installed (the only Debian package Native AOT needs).
/// </summary>
public sealed class AotCountTests
{
    private static readonly Lazy<string> FastExe = new(Publish);

    public static TheoryData<string, string> Commands => new()
    {
        { "packets", "tsv" },
        { "packets", "json" },
        { "flows", "tsv" },
        { "flows", "json" },
    };

    [Theory]
    [MemberData(nameof(Commands))]
    public void Aot_and_jit_builds_print_identical_count_output_on_every_corpus_capture(string command, string format)
    {
        string corpus = SharedData.Require("pcaps");
        string fast = RequireFastBuild();
        string[] captures = Directory.EnumerateFiles(corpus, "*", SearchOption.AllDirectories)
            .Where(f => f.EndsWith(".pcap", StringComparison.Ordinal) || f.EndsWith(".pcapng", StringComparison.Ordinal)
                || f.EndsWith(".cap", StringComparison.Ordinal) || f.EndsWith(".gz", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal)
            .ToArray();
        Assert.True(captures.Length >= 50, $"only {captures.Length} captures under {corpus}");
        int failed = 0;
        foreach (string capture in captures)
        {
            CliRunner.Result jit = CliRunner.Run(command, "--count", "--format", format, capture);
            CliRunner.Result aot = Run(fast, command, "--count", "--format", format, capture);
            Assert.True(jit.ExitCode != 0 || jit.Stdout.Length > 0, $"{capture}: the JIT build printed nothing");
            Assert.Equal((jit.ExitCode, jit.Stdout, jit.Stderr), (aot.ExitCode, aot.Stdout, aot.Stderr));
            failed += jit.ExitCode == 1 ? 1 : 0;
        }
        // The damaged captures (pcaps/broken) are among them: the error path is compared too.
        Assert.True(failed >= 5, $"only {failed} captures failed to read; the broken ones should");
    }

    [Fact]
    public void Flows_count_over_several_files_reads_them_as_one_stream_in_both_builds()
    {
        string a = SharedData.Require("pcaps/ethernet/simple_http.pcap");
        string fast = RequireFastBuild();
        CliRunner.Result jit = CliRunner.Run("flows", "--count", a, a);
        CliRunner.Result aot = Run(fast, "flows", "--count", a, a);
        Assert.Equal(0, aot.ExitCode);
        Assert.Equal(jit.Stdout, aot.Stdout);
    }

    private static string RequireFastBuild()
    {
        if (!OnPath("clang"))
        {
            Assert.Skip("clang is not installed, so the Native AOT pcapstream-fast cannot be built (apt-get install clang); ./pcapstream then runs the JIT build for every command.");
        }
        return FastExe.Value;
    }

    private static string Publish()
    {
        string root = RepoRoot();
        string dir = Path.Combine(Path.GetTempPath(), "pcapstream-aot-" + Guid.NewGuid().ToString("N"));
        AppDomain.CurrentDomain.ProcessExit += (_, _) => Directory.Delete(dir, recursive: true);
        CliRunner.Result r = Run("dotnet", "publish", Path.Combine(root, "src", "PcapStream.Fast", "PcapStream.Fast.csproj"),
            "-c", "Release", "--artifacts-path", Path.Combine(dir, "artifacts"), "-o", Path.Combine(dir, "out"), "--nologo");
        Assert.True(r.ExitCode == 0, "Native AOT publish failed:\n" + r.Stdout + r.Stderr);
        Assert.DoesNotContain("warning", r.Stdout, StringComparison.OrdinalIgnoreCase);
        return Path.Combine(dir, "out", "pcapstream-fast");
    }

    private static CliRunner.Result Run(string exe, params string[] args)
    {
        var start = new ProcessStartInfo(exe) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string a in args)
        {
            start.ArgumentList.Add(a);
        }
        using Process process = Process.Start(start)!;
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        string stdout = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return new CliRunner.Result(process.ExitCode, stdout, stderr.Result);
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
