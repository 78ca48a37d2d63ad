using PcapStream.Streaming;

namespace PcapStream.Tests.Streaming;

/// <summary>
/// The inotify fast path: with an hour-long interval, a capture renamed into place (and one in a new date folder)
/// is ingested within seconds; with notifications off, the same job waits for its poll. Polling stays the truth.
/// </summary>
public class WatchTests
{
    [Fact]
    public async Task A_capture_renamed_into_place_is_ingested_without_waiting_for_the_interval()
    {
        using var dirs = new TestDirs("watch");
        string staging = dirs.Sub("staging"), input = dirs.Sub("in"), output = dirs.Sub("out");
        IReadOnlyList<Sample.SampleFile> files = EndToEndTests.MakeSample(staging, minutes: 2, flows: 100);
        Directory.CreateDirectory(input);

        var committed = new SemaphoreSlim(0);
        using var cancel = new CancellationTokenSource();
        using StreamingJob job = RenameJob(input, output, TimeSpan.FromHours(1), watch: true, committed);
        Task run = Task.Run(() => job.Run(cancel.Token), TestContext.Current.CancellationToken);
        try
        {
            await Task.Delay(500, TestContext.Current.CancellationToken); // the first (empty) poll is done; the job now sleeps for an hour unless woken
            foreach (Sample.SampleFile f in files.Take(2))
            {
                // As tcpdump + the post-rotate hook: written hidden (in a folder that did not exist), then renamed.
                string final = Path.Combine(input, f.RelativePath);
                Directory.CreateDirectory(Path.GetDirectoryName(final)!);
                string hidden = Path.Combine(Path.GetDirectoryName(final)!, "." + Path.GetFileName(final));
                File.Copy(f.Path, hidden);
                File.Move(hidden, final);
                // Functional bound, not a speed test: without the hint this would take the whole hour.
                Assert.True(await committed.WaitAsync(TimeSpan.FromSeconds(60), TestContext.Current.CancellationToken), $"{f.RelativePath} was not ingested after its rename");
            }
            Assert.True(job.ChangeHints >= 2);
            Assert.Equal(files.Take(2).Sum(f => f.Packets), DatasetComparer.Count(output, "packets"));
        }
        finally
        {
            cancel.Cancel();
            await run.WaitAsync(TimeSpan.FromSeconds(60), TestContext.Current.CancellationToken);
        }
    }

    [Fact]
    public async Task Without_notifications_the_job_waits_for_its_poll()
    {
        using var dirs = new TestDirs("nowatch");
        string staging = dirs.Sub("staging"), input = dirs.Sub("in"), output = dirs.Sub("out");
        IReadOnlyList<Sample.SampleFile> files = EndToEndTests.MakeSample(staging, minutes: 1, flows: 50);
        Directory.CreateDirectory(input);
        var committed = new SemaphoreSlim(0);
        using var cancel = new CancellationTokenSource();
        using StreamingJob job = RenameJob(input, output, TimeSpan.FromSeconds(4), watch: false, committed);
        Task run = Task.Run(() => job.Run(cancel.Token), TestContext.Current.CancellationToken);
        try
        {
            await Task.Delay(500, TestContext.Current.CancellationToken);
            string final = Path.Combine(input, files[0].RelativePath);
            Directory.CreateDirectory(Path.GetDirectoryName(final)!);
            File.Copy(files[0].Path, final);
            // No notification path: the next poll finds it.
            Assert.True(await committed.WaitAsync(TimeSpan.FromSeconds(60), TestContext.Current.CancellationToken));
            Assert.Equal(0, job.ChangeHints);
        }
        finally
        {
            cancel.Cancel();
            await run.WaitAsync(TimeSpan.FromSeconds(60), TestContext.Current.CancellationToken);
        }
    }

    /// <summary>
    /// A continuous job taking files once renamed into place (polling every <paramref name="interval"/>, inotify
    /// hints when <paramref name="watch"/>); each batch that took files releases <paramref name="committed"/>.
    /// </summary>
    private static StreamingJob RenameJob(string input, string output, TimeSpan interval, bool watch, SemaphoreSlim committed) =>
        new(new JobOptions
        {
            Inputs = [input],
            Output = output,
            Interval = interval,
            Source = new SourceOptions { Completion = CompletionMode.Rename, Watch = watch, WatchSettle = TimeSpan.FromMilliseconds(100) },
        }, TextWriter.Null)
        { BatchCommitted = r => { if (r.Files > 0) { committed.Release(); } } };
}
