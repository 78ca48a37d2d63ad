using PcapStream.Tests.Support;

namespace PcapStream.Tests.Cli;

/// <summary>
/// The Native AOT <c>pcapstream</c> (<see cref="AotBuild"/>; what <c>./pcapstream</c> runs when clang is installed)
/// prints exactly what the JIT program prints for <c>packets --count</c> and <c>flows --count</c>: same totals,
/// same error sentence, same exit code, on every capture of the corpus including the damaged ones.
/// Skipped when clang is not installed.
/// </summary>
public sealed class AotCountTests
{
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
        string fast = AotBuild.Require();
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
            CliRunner.Result aot = AotBuild.Run(fast, command, "--count", "--format", format, capture);
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
        string fast = AotBuild.Require();
        CliRunner.Result jit = CliRunner.Run("flows", "--count", a, a);
        CliRunner.Result aot = AotBuild.Run(fast, "flows", "--count", a, a);
        Assert.Equal(0, aot.ExitCode);
        Assert.Equal(jit.Stdout, aot.Stdout);
    }
}
