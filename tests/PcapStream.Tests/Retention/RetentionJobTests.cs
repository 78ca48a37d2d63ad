using PcapStream.Readers;
using PcapStream.Sample;
using PcapStream.Sinks;
using PcapStream.Streaming;
using PcapStream.Capture;
using PcapStream.Tests.Capture;
using PcapStream.Tests.Cli;

namespace PcapStream.Tests.Retention;

/// <summary>
/// Retention over what the real job wrote: the built <c>pcapstream run</c> commits some batches, then one batch
/// fails between its Parquet writes and its commit (fault injection), leaving a genuine uncommitted batch; the
/// built <c>pcapstream retention</c> then runs with limits that want everything gone.
/// </summary>
public sealed class RetentionJobTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("pcapstream-retention-job-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private string In => Path.Combine(_root, "in");
    private string Out => Path.Combine(_root, "out");

    [Fact]
    public void Retention_after_a_real_run_deletes_committed_captures_and_hours_and_keeps_what_an_uncommitted_batch_needs()
    {
        // 6 minutes x 2 sensors from 23:57 UTC: hours 23 and 00. Each file's mtime is its minute's end, as tcpdump leaves it.
        string staging = Path.Combine(_root, "staging");
        var files = SampleCaptureGenerator.Generate(staging, new SampleOptions { Sensors = 2, Minutes = 6, Flows = 300 })
            .Select(f => (File: f, First: FirstPacket(f.Path))).OrderBy(f => f.First).ThenBy(f => f.File.RelativePath, StringComparer.Ordinal).ToList();
        void Place(int from, int count)
        {
            foreach ((SampleFile f, DateTime first) in files.Skip(from).Take(count))
            {
                string dest = Path.Combine(In, f.RelativePath);
                Directory.CreateDirectory(Path.GetDirectoryName(dest)!);
                File.Copy(f.Path, dest);
                File.SetLastWriteTimeUtc(dest, first.AddMinutes(1));
            }
        }
        string[] run = ["run", "--input", In, "--output", Out, "--once", "--completion", "All", "--max-files-per-batch", "2"];

        Place(0, 8);                                                                       // 23:57 .. 00:00
        CliRunner.Result first = CliRunner.Run(run);
        Assert.True(first.ExitCode == 0, first.Stderr);
        Place(8, 4);                                                                       // 00:01, 00:02
        using (var crashing = new ChildProgram(new Dictionary<string, string> { ["PCAPSTREAM_FAULT_PAUSE"] = "after-sinks=30000" }, run))
        {
            // Power cut after batch 4 wrote its parts, before its commit (the pause announces itself).
            for (int i = 0; i < 600 && !crashing.Output.Contains("fault-pause after-sinks", StringComparison.Ordinal); i++)
            {
                Assert.False(crashing.HasExited, crashing.Output);
                Thread.Sleep(50);
            }
            Assert.True(Native.Kill(crashing.Id, Native.SigKill));
            crashing.WaitForExit(TimeSpan.FromSeconds(10));
        }

        var sources = new MetadataLog(Path.Combine(Out, "_pcapstream", "sources"));
        var commits = new MetadataLog(Path.Combine(Out, "_pcapstream", "commits"));
        Assert.Equal([0L, 1, 2, 3, 4], sources.Batches());
        Assert.Equal([0L, 1, 2, 3], commits.Batches());
        List<string> committed = [.. Enumerable.Range(0, 4).SelectMany(b => Entry(sources, b).Files.Select(f => f.Path))];
        List<string> pending = [.. Entry(sources, 4).Files.Select(f => f.Path)];
        List<string> untaken = [.. Directory.EnumerateFiles(In, "*", SearchOption.AllDirectories).Except(committed).Except(pending)];
        Assert.Equal((8, 2, 2), (committed.Count, pending.Count, untaken.Count));
        Dictionary<string, bool> partitions = Partitions();                                // dir -> holds a part of batch 4
        Assert.Contains(true, partitions.Values);
        Assert.Contains(false, partitions.Values);

        CliRunner.Result retention = CliRunner.Run("retention", "--input", In, "--output", Out, "--keep-gb", "0.000000001", "--dataset-keep-gb", "0.000000001");
        Assert.True(retention.ExitCode == 0, retention.Stderr);

        Assert.All(committed, p => Assert.False(File.Exists(p), p));                       // committed captures go
        Assert.All(pending, p => Assert.True(File.Exists(p), p));                          // the replay needs these
        Assert.All(untaken, p => Assert.True(File.Exists(p), p));                          // never ingested: kept by default
        Assert.Contains("uncommitted batch still needs it", retention.Stdout);
        foreach ((string dir, bool uncommitted) in partitions.Where(p => p.Value))
        {
            Assert.True(Directory.Exists(dir), dir);                                       // batch 4 wrote there
        }
        Assert.False(Directory.Exists(Path.Combine(Out, "packets", "date=2026-11-26", "hour=23")));   // batches 0-2 only
        Assert.Contains(partitions, p => !p.Value && !Directory.Exists(p.Key));

        // The job replays batch 4 from the files retention kept, then takes the rest; a second pass frees batch 4's files.
        CliRunner.Result replay = CliRunner.Run(run);
        Assert.True(replay.ExitCode == 0, replay.Stderr);
        Assert.Contains("replaying batch 4", replay.Stderr + replay.Stdout);
        Assert.Equal([0L, 1, 2, 3, 4, 5], commits.Batches());
        Assert.True(CliRunner.Run("retention", "--input", In, "--output", Out, "--keep-gb", "0.000000001").ExitCode == 0);
        Assert.All(pending, p => Assert.False(File.Exists(p), p));
    }

    private static SourceEntry Entry(MetadataLog log, long batch) => MetadataJson.Read<SourceEntry>(log.ReadText(batch)!, log.PathOf(batch));

    private Dictionary<string, bool> Partitions()
    {
        var result = new Dictionary<string, bool>(StringComparer.Ordinal);
        foreach (string dataset in new[] { DatasetLayout.Packets, DatasetLayout.Flows })
        {
            foreach (string hour in Directory.EnumerateDirectories(Path.Combine(Out, dataset), "hour=*", SearchOption.AllDirectories))
            {
                result[hour] = Directory.EnumerateFiles(hour).Any(f => DatasetLayout.TryParseBatch(Path.GetFileName(f), out long b) && b == 4);
            }
        }
        return result;
    }

    private static DateTime FirstPacket(string path)
    {
        using CaptureReader reader = CaptureReader.Open(path);
        Assert.True(reader.TryRead(out CaptureRecord record));
        return DateTime.UnixEpoch.AddTicks(record.TimestampNanos / 100);
    }
}
