using PcapStream.Retention;
using PcapStream.Sinks;
using PcapStream.Streaming;

namespace PcapStream.Tests.Retention;

public sealed class RetentionTests : IDisposable
{
    private static readonly DateTime Now = new(2026, 11, 26, 12, 0, 0, DateTimeKind.Utc);
    private readonly string _root = Directory.CreateTempSubdirectory("pcapstream-retention-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private string In => Path.Combine(_root, "in");
    private string Out => Path.Combine(_root, "out");

    private string Capture(string rel, int bytes, double daysAgo)
    {
        string path = Path.Combine(In, rel);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, new byte[bytes]);
        File.SetLastWriteTimeUtc(path, Now.AddDays(-daysAgo));
        return path;
    }

    /// <summary>Writes batch <paramref name="id"/>'s source entry (and commit) as the job does: MetadataLog, version line, its JSON.</summary>
    private void Batch(long id, bool committed, params string[] relPaths)
    {
        var sources = new MetadataLog(Path.Combine(Out, "_pcapstream", "sources"));
        var commits = new MetadataLog(Path.Combine(Out, "_pcapstream", "commits"));
        var entry = new SourceEntry
        {
            Batch = id,
            Files = [.. relPaths.Select(p => new SourceFile { Path = Path.Combine(In, p), Relative = p, Stream = p.Split('/')[0], Size = 100 })],
        };
        Assert.True(sources.TryAdd(id, MetadataJson.Write(entry)));
        if (committed)
        {
            Assert.True(commits.TryAdd(id, MetadataJson.Write(new CommitEntry { Batch = id, FileCount = relPaths.Length })));
        }
    }

    [Fact]
    public void Age_limit_deletes_old_processed_captures_but_never_one_an_uncommitted_batch_needs()
    {
        string old1 = Capture("eth0/2026/11/01/dump-1.pcap", 100, 25);
        string old2 = Capture("eth0/2026/11/02/dump-2.pcap", 100, 24);
        string oldPending = Capture("eth0/2026/11/03/dump-3.pcap", 100, 23);
        string fresh = Capture("eth0/2026/11/26/dump-4.pcap", 100, 0.1);
        Batch(0, committed: true, "eth0/2026/11/01/dump-1.pcap", "eth0/2026/11/02/dump-2.pcap");
        Batch(1, committed: false, "eth0/2026/11/03/dump-3.pcap");

        var plan = RetentionPlan.Decide(RetentionRunner.CaptureItems(In, Out, deleteUnprocessed: false), new RetentionPolicy(7, 0), Now);
        Assert.Equal([old1, old2], plan.Delete.Select(i => i.Path));
        RetentionItem kept = Assert.Single(plan.Protected);
        Assert.Equal(oldPending, kept.Path);
        Assert.Contains("uncommitted", kept.KeepReason);

        RetentionRunner.Apply(plan, In, dryRun: false);
        Assert.False(File.Exists(old1));
        Assert.False(Directory.Exists(Path.GetDirectoryName(old1)));   // emptied date folder removed
        Assert.True(File.Exists(oldPending));
        Assert.True(File.Exists(fresh));
        Assert.True(Directory.Exists(Path.Combine(In, "eth0")));
    }

    [Fact]
    public void Size_cap_deletes_oldest_first_and_keeps_unprocessed_files_unless_allowed()
    {
        string a = Capture("s/a.pcap", 400, 3);
        string b = Capture("s/b.pcap", 400, 2);
        string c = Capture("s/c.pcap", 400, 1);   // not taken by any batch yet
        Batch(0, committed: true, "s/a.pcap", "s/b.pcap");

        var cap = new RetentionPolicy(0, 500);
        var plan = RetentionPlan.Decide(RetentionRunner.CaptureItems(In, Out, deleteUnprocessed: false), cap, Now);
        Assert.Equal([a, b], plan.Delete.Select(i => i.Path));
        Assert.Equal(400, plan.RemainingBytes);

        // Without a dataset to check, nothing is known to be processed: nothing goes unless allowed.
        Assert.Empty(RetentionPlan.Decide(RetentionRunner.CaptureItems(In, null, false), cap, Now).Delete);
        var forced = RetentionPlan.Decide(RetentionRunner.CaptureItems(In, null, true), cap, Now);
        Assert.Equal([a, b], forced.Delete.Select(i => i.Path));   // the newest is never taken by the cap
        Assert.True(File.Exists(c));
    }

    [Fact]
    public void Hidden_in_progress_files_and_non_captures_are_never_candidates()
    {
        Capture("s/.dump-20261101-000000.pcap", 100, 30);
        Capture("s/notes.txt", 100, 30);
        Capture("s/.pcapstream-hook.sh", 100, 30);
        Assert.Empty(RetentionRunner.CaptureItems(In, null, deleteUnprocessed: true));
    }

    [Fact]
    public void An_unreadable_manifest_protects_the_whole_capture_tree()
    {
        Capture("s/a.pcap", 100, 30);
        Directory.CreateDirectory(Path.Combine(Out, "_pcapstream", "sources"));
        File.WriteAllText(Path.Combine(Out, "_pcapstream", "sources", "0"), "v1\n{broken");
        var plan = RetentionPlan.Decide(RetentionRunner.CaptureItems(In, Out, true), new RetentionPolicy(1, 0), Now);
        Assert.Empty(plan.Delete);
        Assert.Contains("unreadable", Assert.Single(plan.Protected).KeepReason);
    }

    [Fact]
    public void Dataset_hours_go_by_age_except_those_an_uncommitted_batch_wrote()
    {
        string Part(string dataset, string date, int hour, string file)
        {
            string dir = Path.Combine(Out, dataset, "date=" + date, $"hour={hour:00}");
            Directory.CreateDirectory(dir);
            File.WriteAllBytes(Path.Combine(dir, file), new byte[10]);
            return dir;
        }
        string oldFlows = Part("flows", "2026-11-01", 3, DatasetLayout.PartName(6, 0));
        string oldPackets = Part("packets", "2026-11-01", 3, DatasetLayout.PartName(6, 0));
        string oldPending = Part("packets", "2026-11-01", 4, DatasetLayout.PartName(7, 0));
        string recent = Part("packets", "2026-11-26", 10, DatasetLayout.PartName(8, 0));
        Batch(6, committed: true);
        Batch(7, committed: false);

        var plan = RetentionPlan.Decide(RetentionRunner.DatasetItems(Out), new RetentionPolicy(7, 0), Now);
        Assert.Equal(new[] { oldFlows, oldPackets }.Order(), plan.Delete.Select(i => i.Path).Order());
        Assert.Equal(oldPending, Assert.Single(plan.Protected).Path);

        RetentionRunner.Apply(plan, Out, dryRun: false);
        Assert.False(Directory.Exists(Path.Combine(Out, "flows", "date=2026-11-01")));
        Assert.True(Directory.Exists(oldPending));
        Assert.True(Directory.Exists(recent));
    }
}
