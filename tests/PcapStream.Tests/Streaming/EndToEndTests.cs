using PcapStream.Sample;
using PcapStream.Streaming;

namespace PcapStream.Tests.Streaming;

public class EndToEndTests
{
    internal static IReadOnlyList<SampleFile> MakeSample(string dir, int minutes = 4, int flows = 600) =>
        SampleCaptureGenerator.Generate(dir, new SampleOptions { Sensors = 2, Minutes = minutes, Flows = flows });

    /// <summary>A one-shot ingest of everything under <paramref name="input"/> (every file taken as complete).</summary>
    internal static JobOptions OnceOptions(string input, string output) => new()
    {
        Inputs = [input],
        Output = output,
        Once = true,
        FlushAtEnd = true,
        Source = new SourceOptions { Completion = CompletionMode.All },
    };

    internal static string IngestOnce(string input, string output)
    {
        using var job = new StreamingJob(OnceOptions(input, output), TextWriter.Null);
        job.Run(CancellationToken.None);
        return output;
    }

    [Fact]
    public void Feeding_a_directory_like_tcpdump_gives_the_same_rows_as_a_one_shot_ingest()
    {
        using var dirs = new TestDirs("e2e-feed");
        string staging = dirs.Sub("staging"), input = dirs.Sub("in"), output = dirs.Sub("out");
        IReadOnlyList<SampleFile> files = MakeSample(staging);
        Directory.CreateDirectory(input);
        var log = new StringWriter();
        using var cancel = new CancellationTokenSource();
        var options = new JobOptions
        {
            Inputs = [input],
            Output = output,
            Interval = TimeSpan.FromMilliseconds(100),
            MaxFilesPerBatch = 3,
            // A stream counts as "renamed when complete" only once a poll has seen one of its hidden files; on a
            // loaded machine a small file can be hidden for less than one poll, leaving that stream on the
            // newest-in-stream rule. Its last file then completes after FileIdle: keep that short here so the
            // test does not depend on the poll/copy race (both rules must give the same rows).
            Source = new SourceOptions { FileIdle = TimeSpan.FromSeconds(2) },
        };
        var committedFiles = 0;
        var runner = new Thread(() =>
        {
            using var job = new StreamingJob(options, TextWriter.Synchronized(log));
            job.BatchCommitted = r => Interlocked.Add(ref committedFiles, r.Files);
            job.Run(cancel.Token);
        });
        runner.Start();

        // tcpdump -G with a post-rotate rename: each file is written under a hidden name, then renamed; sensors
        // interleave in capture order, and the next day's folder appears mid-run.
        var ordered = new List<SampleFile>(files);
        ordered.Sort((a, b) => string.CompareOrdinal(Path.GetFileName(a.RelativePath), Path.GetFileName(b.RelativePath)));
        foreach (SampleFile f in ordered)
        {
            string target = Path.Combine(input, f.RelativePath);
            string hidden = Path.Combine(Path.GetDirectoryName(target)!, "." + Path.GetFileName(target));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            using (FileStream src = File.OpenRead(f.Path), dst = File.Create(hidden))
            {
                byte[] buffer = new byte[64 * 1024];
                int n;
                while ((n = src.Read(buffer)) > 0)
                {
                    dst.Write(buffer, 0, n);
                    Thread.Sleep(5); // still growing while the job polls
                }
            }
            File.Move(hidden, target);
        }
        SpinWait.SpinUntil(() => Volatile.Read(ref committedFiles) == files.Count || !runner.IsAlive, TimeSpan.FromSeconds(60));
        cancel.Cancel();
        Assert.True(runner.Join(TimeSpan.FromSeconds(30)), "the job did not stop on cancel");
        Assert.Equal(files.Count, committedFiles);

        // The capture has ended: a last --once --flush-at-end run ends the open flows, as ingest does at its end.
        using (var final = new StreamingJob(options with { Once = true, FlushAtEnd = true }, TextWriter.Null))
        {
            final.Run(CancellationToken.None);
        }
        string expected = IngestOnce(staging, dirs.Sub("expected"));
        DatasetComparer.AssertSameRows(expected, output, "packets");
        DatasetComparer.AssertSameRows(expected, output, "flows");
        Assert.DoesNotContain("changed after", log.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void A_file_that_changes_after_it_was_taken_is_reported_and_not_read_twice()
    {
        using var dirs = new TestDirs("e2e-changed");
        string input = dirs.Sub("in"), output = dirs.Sub("out");
        MakeSample(input, minutes: 2, flows: 100);
        var log = new StringWriter();
        var options = new JobOptions { Inputs = [input], Output = output, Once = true, Source = new SourceOptions { Completion = CompletionMode.All } };
        using (var job = new StreamingJob(options, log))
        {
            job.Run(CancellationToken.None);
        }
        long before = DatasetComparer.Count(output, "packets");
        string first = Directory.GetFiles(input, "*.pcap", SearchOption.AllDirectories)[0];
        File.AppendAllText(first, "garbage appended later");
        using (var job = new StreamingJob(options, log))
        {
            job.Run(CancellationToken.None);
            Assert.Equal(1, job.ChangedAfterTaken);
        }
        Assert.Contains("changed after it was ingested", log.ToString(), StringComparison.Ordinal);
        Assert.Equal(before, DatasetComparer.Count(output, "packets"));
    }

    [Fact]
    public void A_batch_cut_by_its_bounds_takes_whole_rounds_of_workers_and_the_datasets_are_unchanged()
    {
        using var dirs = new TestDirs("e2e-rounds");
        string input = dirs.Sub("in"), output = dirs.Sub("out"), whole = dirs.Sub("whole");
        IReadOnlyList<SampleFile> files = SampleCaptureGenerator.Generate(input, new SampleOptions { Sensors = 1, Minutes = 11, Flows = 300 });
        Assert.Equal(11, files.Count);
        // At most five files per batch: without the rule the batches were 5, 5 and 1 file, which on two workers is
        // a lone file in every third round.
        var reports = new List<BatchReport>();
        using (var job = new StreamingJob(OnceOptions(input, output) with { Parallelism = 2, MaxFilesPerBatch = 5, MaxBytesPerBatch = 0 }, TextWriter.Null))
        {
            job.BatchCommitted = reports.Add;
            job.Run(CancellationToken.None);
        }
        int[] sizes = reports.Where(r => r.Files > 0).Select(r => r.Files).ToArray();
        Assert.Equal([4, 4, 3], sizes);

        using (var job = new StreamingJob(OnceOptions(input, whole) with { MaxBytesPerBatch = 0 }, TextWriter.Null))
        {
            job.Run(CancellationToken.None);
        }
        DatasetComparer.AssertSameRows(whole, output, "packets");
        DatasetComparer.AssertSameRows(whole, output, "flows");
    }

    [Theory]
    [InlineData(5, 11, 2, 4)] // cut short: whole rounds
    [InlineData(7, 20, 3, 6)]
    [InlineData(5, 5, 2, 5)] // every ready file: as it is
    [InlineData(1, 3, 2, 1)] // less than a round: as it is
    [InlineData(2, 9, 2, 2)] // exactly a round
    [InlineData(5, 11, 1, 5)] // one worker: every count is whole rounds
    public void Whole_rounds_of_workers(int take, int ready, int workers, int expected) =>
        Assert.Equal(expected, StreamingJob.WholeRounds(take, ready, workers));

    [Fact]
    public void A_truncated_capture_keeps_its_good_packets_and_is_reported_with_its_offset()
    {
        using var dirs = new TestDirs("e2e-truncated");
        string input = dirs.Sub("in"), output = dirs.Sub("out");
        IReadOnlyList<SampleFile> files = MakeSample(input, minutes: 2, flows: 100);
        string victim = files[0].Path;
        long size = new FileInfo(victim).Length;
        using (var f = new FileStream(victim, FileMode.Open))
        {
            f.SetLength(size - 7); // cut inside the last record
        }
        var reports = new List<BatchReport>();
        using (var job = new StreamingJob(OnceOptions(input, output), TextWriter.Null))
        {
            job.BatchCommitted = reports.Add;
            job.Run(CancellationToken.None);
        }
        long total = 0;
        foreach (SampleFile f in files)
        {
            total += f.Packets;
        }
        DamagedFile damage = Assert.Single(reports[0].Damaged);
        Assert.Equal(files[0].RelativePath, damage.File);
        Assert.True(damage.Offset > 0 && damage.Offset < size, $"offset {damage.Offset}");
        Assert.Equal(total - 1, DatasetComparer.Count(output, "packets"));
    }
}
