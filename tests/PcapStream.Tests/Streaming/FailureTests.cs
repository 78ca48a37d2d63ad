using System.Diagnostics;
using PcapStream.Streaming;

namespace PcapStream.Tests.Streaming;

/// <summary>
/// What a data engineer meets on a live host: a full disk or an unwritable output (the job stops with one clear
/// error and commits nothing partial; fixed, it resumes and the rows are exactly the one-shot ones), and capture
/// files that cannot be read (retried a bounded number of times, then reported once, the rest still ingested).
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public class FailureTests
{
    private static bool IsRoot => Environment.UserName == "root";

    [Theory]
    [InlineData("row-group")]
    [InlineData("part-rename")]
    [InlineData("after-state")]
    public void Disk_full_stops_the_job_with_one_clear_error_and_commits_nothing(string point)
    {
        using var dirs = new TestDirs("disk-full");
        string input = dirs.Sub("in"), output = dirs.Sub("out");
        EndToEndTests.MakeSample(input, minutes: 3, flows: 200);

        (int code, string stderr) = RunChild(input, output, ("PCAPSTREAM_FAULT_FAIL", point));
        Assert.Equal(1, code);
        Assert.Contains("No space left on device", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", stderr, StringComparison.Ordinal); // one sentence, no stack trace
        Assert.Empty(Directory.GetFiles(Path.Combine(output, "_pcapstream", "commits")));
        Assert.Empty(Directory.GetFiles(output, "*.parquet", SearchOption.AllDirectories));

        // Space is back: the same batch is replayed and the datasets equal a one-shot ingest.
        (code, stderr) = RunChild(input, output);
        Assert.True(code == 0, stderr);
        string expected = EndToEndTests.IngestOnce(input, dirs.Sub("expected"));
        DatasetComparer.AssertSameRows(expected, output, "packets");
        DatasetComparer.AssertSameRows(expected, output, "flows");
    }

    [Fact]
    public void An_output_that_cannot_be_written_stops_the_job_and_commits_nothing_then_resumes_once_fixed()
    {
        using var dirs = new TestDirs("unwritable");
        string input = dirs.Sub("in"), output = dirs.Sub("out");
        EndToEndTests.MakeSample(input, minutes: 3, flows: 200);
        Directory.CreateDirectory(output);
        // A file where the packets folder must go cannot be written through, even by root (chmod would not stop root).
        string blocker = Path.Combine(output, "packets");
        File.WriteAllText(blocker, "not a folder");

        var error = Assert.ThrowsAny<IOException>(() => EndToEndTests.IngestOnce(input, output));
        Assert.Contains("packets", error.Message, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFiles(Path.Combine(output, "_pcapstream", "commits")));
        Assert.Empty(Directory.GetFiles(output, "*.parquet", SearchOption.AllDirectories));
        Assert.Empty(Directory.GetFiles(output, "*.tmp", SearchOption.AllDirectories));

        File.Delete(blocker);
        EndToEndTests.IngestOnce(input, output);
        string expected = EndToEndTests.IngestOnce(input, dirs.Sub("expected"));
        DatasetComparer.AssertSameRows(expected, output, "packets");
        DatasetComparer.AssertSameRows(expected, output, "flows");
    }

    [Fact]
    public void A_read_only_output_folder_stops_the_job_with_a_clear_error()
    {
        if (IsRoot)
        {
            Assert.Skip("running as root: permission bits do not stop root's writes (the file-in-the-way test covers an unwritable output).");
        }
        using var dirs = new TestDirs("readonly");
        string input = dirs.Sub("in"), output = dirs.Sub("out");
        EndToEndTests.MakeSample(input, minutes: 2, flows: 100);
        Directory.CreateDirectory(Path.Combine(output, "packets"));
        File.SetUnixFileMode(Path.Combine(output, "packets"), UnixFileMode.UserRead | UnixFileMode.UserExecute);
        try
        {
            Assert.ThrowsAny<UnauthorizedAccessException>(() => EndToEndTests.IngestOnce(input, output));
            Assert.Empty(Directory.GetFiles(Path.Combine(output, "_pcapstream", "commits")));
        }
        finally
        {
            File.SetUnixFileMode(Path.Combine(output, "packets"), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
    }

    [Fact]
    public void An_unreadable_capture_is_retried_then_reported_once_and_the_others_are_ingested()
    {
        using var dirs = new TestDirs("unreadable");
        string input = dirs.Sub("in"), output = dirs.Sub("out");
        IReadOnlyList<Sample.SampleFile> files = EndToEndTests.MakeSample(input, minutes: 2, flows: 100);
        // A capture whose storage went away (a symlink into an unmounted share): unreadable even for root.
        string sensor = Path.GetDirectoryName(files[0].Path)!;
        string lost = Path.Combine(sensor, "lost.pcap");
        File.CreateSymbolicLink(lost, Path.Combine(dirs.Root, "unmounted", "lost.pcap"));
        string? denied = null;
        if (!IsRoot)
        {
            denied = Path.Combine(sensor, "denied.pcap");
            File.Copy(files[0].Path, denied);
            File.SetUnixFileMode(denied, UnixFileMode.None);
        }

        var log = new StringWriter();
        var reports = new List<BatchReport>();
        JobOptions options = EndToEndTests.OnceOptions(input, output) with
        {
            Source = new SourceOptions { Completion = CompletionMode.All, MaxReadAttempts = 3, RetryDelay = TimeSpan.FromMilliseconds(20) },
        };
        using (var job = new StreamingJob(options, log) { BatchCommitted = reports.Add })
        {
            job.Run(CancellationToken.None);
        }

        string text = log.ToString();
        Assert.Contains($"giving up on {lost} after 3 attempts", text, StringComparison.Ordinal);
        Assert.Contains($"cannot read {lost} (attempt 2 of 3)", text, StringComparison.Ordinal);
        var skipped = reports.SelectMany(r => r.Skipped).Select(s => s.Path).ToList();
        Assert.Equal(denied is null ? [lost] : new[] { lost, denied }.Order(StringComparer.Ordinal).ToList(), skipped.Order(StringComparer.Ordinal).ToList());
        Assert.Contains(reports, r => r.ToString().Contains($"unreadable {lost}", StringComparison.Ordinal));
        // The readable captures are all there.
        long packets = files.Sum(f => (long)f.Packets);
        Assert.Equal(packets, DatasetComparer.Scalar($"SELECT count(*) FROM {DatasetComparer.Source(output, "packets")}"));

        // Reported once: a restart does not retry or report it again.
        var again = new StringWriter();
        using (var job = new StreamingJob(options, again))
        {
            job.Run(CancellationToken.None);
        }
        Assert.DoesNotContain("lost.pcap", again.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_fifo_or_empty_file_in_the_input_is_reported_as_empty_and_never_blocks_the_job()
    {
        using var dirs = new TestDirs("fifo");
        string input = dirs.Sub("in"), output = dirs.Sub("out");
        IReadOnlyList<Sample.SampleFile> files = EndToEndTests.MakeSample(input, minutes: 2, flows: 100);
        string sensor = Path.GetDirectoryName(files[0].Path)!;
        string fifo = Path.Combine(sensor, "pipe.pcap"), empty = Path.Combine(sensor, "empty.pcap");
        using (Process mk = Process.Start("mkfifo", [fifo]))
        {
            await mk.WaitForExitAsync(TestContext.Current.CancellationToken);
            Assert.Equal(0, mk.ExitCode);
        }
        await File.WriteAllBytesAsync(empty, [], TestContext.Current.CancellationToken);

        var reports = new List<BatchReport>();
        Task run = Task.Run(() =>
        {
            using var job = new StreamingJob(EndToEndTests.OnceOptions(input, output), TextWriter.Null) { BatchCommitted = reports.Add };
            job.Run(CancellationToken.None);
        }, TestContext.Current.CancellationToken);
        // Opening the FIFO would block forever: the job must finish on its own.
        await run.WaitAsync(TimeSpan.FromSeconds(120), TestContext.Current.CancellationToken);

        var damaged = reports.SelectMany(r => r.Damaged).ToList();
        Assert.Contains(damaged, d => d.File.EndsWith("pipe.pcap", StringComparison.Ordinal) && d.Reason.StartsWith("empty file", StringComparison.Ordinal));
        Assert.Contains(damaged, d => d.File.EndsWith("empty.pcap", StringComparison.Ordinal));
        Assert.Equal(files.Sum(f => f.Packets), DatasetComparer.Count(output, "packets"));
    }

    private static (int Code, string Stderr) RunChild(string input, string output, params (string Name, string Value)[] env)
    {
        var info = new ProcessStartInfo(Path.Combine(AppContext.BaseDirectory, "pcapstream"))
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        foreach (string a in new[] { "ingest", input, "--output", output })
        {
            info.ArgumentList.Add(a);
        }
        info.Environment["PCAPSTREAM_TEST_PACKET_ROW_GROUP"] = "4096";
        foreach ((string name, string value) in env)
        {
            info.Environment[name] = value;
        }
        using Process p = Process.Start(info) ?? throw new InvalidOperationException("cannot start pcapstream");
        Task<string> stdout = p.StandardOutput.ReadToEndAsync();
        string stderr = p.StandardError.ReadToEnd();
        Assert.True(p.WaitForExit(120_000), "pcapstream did not finish");
        _ = stdout.Result;
        return (p.ExitCode, stderr);
    }
}
