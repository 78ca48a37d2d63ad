using System.Text.RegularExpressions;
using PcapStream.Sample;
using PcapStream.Tests.Streaming;
using PcapStream.Tests.Support;

namespace PcapStream.Tests.Cli;

/// <summary>
/// The Native AOT <c>pcapstream ingest</c> (what <c>./pcapstream</c> runs when clang is installed) writes the same
/// datasets as the JIT program — every row of <c>packets</c> and <c>flows</c>, checked with DuckDB EXCEPT ALL both
/// ways — and prints the same report lines, errors and exit codes. Skipped when clang is not installed.
/// </summary>
public sealed partial class AotIngestTests
{
    [Fact]
    public void Aot_and_jit_ingest_of_the_whole_corpus_write_identical_datasets()
    {
        // Every corpus folder at once: the damaged captures (pcaps/broken) are in it, so the damage path and its
        // report ("N damaged") are compared too.
        string corpus = SharedData.Require("pcaps");
        AssertSameIngest(corpus, "corpus");
    }

    [Fact]
    public void Aot_and_jit_ingest_of_generated_rotated_captures_write_identical_datasets()
    {
        using var dirs = new TestDirs("aot-sample");
        IReadOnlyList<SampleFile> files = SampleCaptureGenerator.Generate(dirs.Sub("in"), new SampleOptions { Sensors = 2, Minutes = 4, Flows = 1500 });
        Assert.True(files.Count >= 8, $"the generator wrote only {files.Count} files");
        AssertSameIngest(dirs.Sub("in"), "sample");
        AssertSameIngest(dirs.Sub("in"), "sample-flows-only", "--no-packets");
        AssertSameIngest(dirs.Sub("in"), "sample-zstd-one-file-batches", "--compression", "zstd", "--max-files-per-batch", "1");
    }

    [Fact]
    public void Aot_and_jit_refuse_bad_input_with_the_same_message_and_exit_code()
    {
        string aot = AotBuild.Require();
        using var dirs = new TestDirs("aot-bad");
        string aFile = Path.Combine(dirs.Root, "not-a-dir");
        File.WriteAllText(aFile, "x");
        string capture = SharedData.Require("pcaps/ethernet/simple_http.pcap");
        string[][] cases =
        [
            ["ingest", Path.Combine(dirs.Root, "missing.pcap"), "--output", dirs.Sub("o1")],
            ["ingest", capture, "--output", Path.Combine(aFile, "out")],
            ["ingest", capture],
            ["ingest", capture, "--output", dirs.Sub("o2"), "--compression", "lz77"],
            ["ingest", capture, "--output", dirs.Sub("o3"), "--no-such-flag"],
            ["run", "--input", aFile, "--output", dirs.Sub("o4"), "--once"],
            ["run", "--input", dirs.Sub("absent"), "--output", dirs.Sub("o5"), "--once"],
            ["run", "--input", dirs.Root, "--output", dirs.Sub("o6"), "--interval", "soon"],
        ];
        foreach (string[] args in cases)
        {
            CliRunner.Result jit = CliRunner.Run(args);
            CliRunner.Result native = AotBuild.Run(aot, args);
            string what = string.Join(' ', args);
            Assert.True(jit.ExitCode != 0, $"{what}: the JIT program accepted it");
            Assert.True(jit.Stderr.Length > 0, $"{what}: the JIT program said nothing");
            Assert.Equal((jit.ExitCode, jit.Stdout, Mask(jit.Stderr, dirs.Root)), (native.ExitCode, native.Stdout, Mask(native.Stderr, dirs.Root)));
        }
    }

    /// <summary>Runs both programs on the same input into two outputs; same exit code and report, same rows.</summary>
    private static void AssertSameIngest(string input, string name, params string[] extra)
    {
        string aot = AotBuild.Require();
        using var dirs = new TestDirs("aot-ingest-" + name);
        string jitOut = dirs.Sub("jit"), aotOut = dirs.Sub("aot");
        CliRunner.Result jit = CliRunner.Run([.. (string[])["ingest", input, "--output", jitOut], .. extra]);
        CliRunner.Result native = AotBuild.Run(aot, [.. (string[])["ingest", input, "--output", aotOut], .. extra]);
        Assert.True(jit.ExitCode == 0, $"{name}: JIT ingest failed: {jit.Stderr}");
        Assert.Equal((jit.ExitCode, jit.Stdout), (native.ExitCode, native.Stdout));
        Assert.Equal(Mask(jit.Stderr.Replace(jitOut, "OUT", StringComparison.Ordinal), dirs.Root),
            Mask(native.Stderr.Replace(aotOut, "OUT", StringComparison.Ordinal), dirs.Root));
        DatasetComparer.AssertSameRows(jitOut, aotOut, "flows");
        if (!extra.Contains("--no-packets"))
        {
            DatasetComparer.AssertSameRows(jitOut, aotOut, "packets");
        }
        else
        {
            Assert.False(Directory.Exists(Path.Combine(aotOut, "packets")) && Directory.EnumerateFiles(Path.Combine(aotOut, "packets"), "*.parquet", SearchOption.AllDirectories).Any(),
                $"{name}: --no-packets still wrote packets");
        }
    }

    /// <summary>Timings (seconds, MB/s, lag) differ from run to run; everything else in the report must not.</summary>
    private static string Mask(string stderr, string root) =>
        Timing().Replace(stderr.Replace(root, "ROOT", StringComparison.Ordinal), "# $1");

    [GeneratedRegex(@"\d+(?:\.\d+)? (s|MB/s)\b")]
    private static partial Regex Timing();
}
