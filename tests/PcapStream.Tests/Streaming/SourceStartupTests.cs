using PcapStream.Sample;
using PcapStream.Streaming;

namespace PcapStream.Tests.Streaming;

/// <summary>
/// What a job knows before its first batch: the capture streams it learned are hidden-until-renamed (kept across
/// restarts in <c>_pcapstream/streams</c>), an input folder that does not exist yet (waited for, not an error), and
/// streams whose files are rewritten in place (read by copying, not mapped).
/// </summary>
public class SourceStartupTests
{
    [Fact]
    public void A_restarted_job_remembers_a_rename_stream_and_takes_its_newest_visible_file_at_once()
    {
        using var dirs = new TestDirs("rename-memory");
        string staging = dirs.Sub("staging"), input = dirs.Sub("in"), output = dirs.Sub("out"), fresh = dirs.Sub("fresh");
        IReadOnlyList<SampleFile> files = [.. EndToEndTests.MakeSample(staging, minutes: 2, flows: 100).Where(f => f.Sensor == "sensor-1")];
        Assert.Equal(2, files.Count);
        Place(files[0], input, hidden: false);
        string second = Place(files[1], input, hidden: true);

        // Run 1 sees the hidden file: the stream renames, so its visible file is complete at once.
        Assert.Equal(1, RunOnce(input, output));
        Assert.Equal(files[0].Packets, DatasetComparer.Count(output, "packets"));
        Assert.Contains("sensor-1", File.ReadAllText(Path.Combine(output, "_pcapstream", "streams")));

        // The capture renames its last file and stops: no hidden file is left to learn from.
        string renamed = Path.Combine(Path.GetDirectoryName(second)!, Path.GetFileName(second)[1..]);
        File.Move(second, renamed);
        File.SetLastWriteTimeUtc(renamed, DateTime.UtcNow.AddSeconds(1));

        // A job without the memory takes the older file but holds the newest visible one back for the idle time
        // (an hour here)...
        Assert.Equal(1, RunOnce(input, fresh));
        Assert.Equal(files[0].Packets, DatasetComparer.Count(fresh, "packets"));
        // ...the restarted job remembers the stream renames, so that file is complete and taken now.
        Assert.Equal(1, RunOnce(input, output));
        Assert.Equal(files[0].Packets + files[1].Packets, DatasetComparer.Count(output, "packets"));
    }

    [Fact]
    public async Task A_job_started_before_its_input_folder_exists_waits_for_it()
    {
        using var dirs = new TestDirs("missing-input");
        string staging = dirs.Sub("staging"), input = Path.Combine(dirs.Sub("not-yet"), "in"), output = dirs.Sub("out");
        SampleFile file = EndToEndTests.MakeSample(staging, minutes: 1, flows: 50)[0];
        var log = new StringWriter();
        var committed = new SemaphoreSlim(0);
        using var cancel = new CancellationTokenSource();
        using var job = new StreamingJob(new JobOptions
        {
            Inputs = [input],
            Output = output,
            Interval = TimeSpan.FromMilliseconds(100),
            Source = new SourceOptions { Completion = CompletionMode.Rename, WatchSettle = TimeSpan.FromMilliseconds(50) },
        }, TextWriter.Synchronized(log))
        { BatchCommitted = r => { if (r.Files > 0) { committed.Release(); } } };
        Task run = Task.Run(() => job.Run(cancel.Token), TestContext.Current.CancellationToken);
        try
        {
            await Task.Delay(700, TestContext.Current.CancellationToken); // several polls of the missing folder
            Assert.False(run.IsCompleted, "the job stopped instead of waiting for its input folder");
            Place(file, input, hidden: true);
            string hidden = Path.Combine(input, Path.GetDirectoryName(file.RelativePath)!, "." + Path.GetFileName(file.RelativePath));
            File.Move(hidden, Path.Combine(input, file.RelativePath));
            Assert.True(await committed.WaitAsync(TimeSpan.FromSeconds(60), TestContext.Current.CancellationToken), "the file in the new input folder was not ingested");
            Assert.Equal(file.Packets, DatasetComparer.Count(output, "packets"));
        }
        finally
        {
            cancel.Cancel();
            await run.WaitAsync(TimeSpan.FromSeconds(60), TestContext.Current.CancellationToken);
        }
        string text = log.ToString();
        Assert.Equal(1, Occurrences(text, "waiting for input folder"));
        Assert.Equal(1, Occurrences(text, "appeared"));
    }

    [Fact]
    public void A_stream_whose_taken_file_is_rewritten_is_read_by_copying_from_then_on()
    {
        using var dirs = new TestDirs("rewrite");
        string staging = dirs.Sub("staging"), input = dirs.Sub("in");
        IReadOnlyList<SampleFile> files = EndToEndTests.MakeSample(staging, minutes: 1, flows: 50);
        var log = new StringWriter();
        foreach (SampleFile f in files)
        {
            Place(f, input, hidden: false);
        }
        var source = new DirectorySource([input], new SourceOptions { Completion = CompletionMode.All }, null, log);
        PollResult poll = source.Poll(DateTime.UtcNow);
        Assert.Equal(files.Count, poll.Ready.Count);
        foreach (SourceFile f in poll.Ready)
        {
            source.MarkTaken(f);
        }
        Assert.False(source.RewritesFiles("sensor-1"));

        // A ring buffer (tcpdump -C -W) truncates and rewrites its oldest file under the same name.
        SourceFile victim = poll.Ready.First(f => f.Stream == "sensor-1");
        File.WriteAllBytes(victim.Path, File.ReadAllBytes(victim.Path)[..100]);
        source.Poll(DateTime.UtcNow);

        Assert.True(source.RewritesFiles("sensor-1"));
        Assert.False(source.RewritesFiles("sensor-2"));
        Assert.Equal(1, source.ChangedAfterTaken);
        Assert.Contains("read by copying", log.ToString());
    }

    // Copies a sample file under INPUT at its relative path (as ".name" when hidden); returns where it went.
    private static string Place(SampleFile f, string input, bool hidden)
    {
        string final = Path.Combine(input, f.RelativePath);
        string folder = Path.GetDirectoryName(final)!;
        Directory.CreateDirectory(folder);
        string path = hidden ? Path.Combine(folder, "." + Path.GetFileName(final)) : final;
        File.Copy(f.Path, path);
        return path;
    }

    // A --once run with Auto completion and an hour of file idle time; returns the files it took.
    private static int RunOnce(string input, string output)
    {
        int taken = 0;
        using var job = new StreamingJob(new JobOptions
        {
            Inputs = [input],
            Output = output,
            Once = true,
            Source = new SourceOptions { Completion = CompletionMode.Auto, FileIdle = TimeSpan.FromHours(1) },
        }, TextWriter.Null)
        { BatchCommitted = r => taken += r.Files };
        job.Run(CancellationToken.None);
        return taken;
    }

    private static int Occurrences(string text, string what)
    {
        int n = 0;
        for (int i = text.IndexOf(what, StringComparison.Ordinal); i >= 0; i = text.IndexOf(what, i + 1, StringComparison.Ordinal))
        {
            n++;
        }
        return n;
    }
}
