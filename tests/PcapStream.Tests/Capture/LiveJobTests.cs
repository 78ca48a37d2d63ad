using DuckDB.NET.Data;
using PcapStream.Capture;
using PcapStream.Streaming;
using PcapStream.Tests.Streaming;

namespace PcapStream.Tests.Capture;

/// <summary>
/// Issue 6 end to end: the built <c>pcapstream capture</c> on loopback with a short rotation and the built
/// <c>pcapstream run</c> alongside it, both real child processes, while the test makes real traffic. tshark on the
/// finished capture files is the independent count; DuckDB reads the flows dataset. Needs root and tcpdump.
/// </summary>
public sealed class LiveJobTests : IDisposable
{
    private static readonly TimeSpan Exit = TimeSpan.FromSeconds(30);
    private readonly string _root = Directory.CreateTempSubdirectory("pcapstream-livejob-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private string Captures => Path.Combine(_root, "cap");
    private string Output => Path.Combine(_root, "out");
    private string SensorDir => Path.Combine(Captures, "lo");

    [Fact]
    public async Task Capture_with_run_alongside_gives_every_connection_as_flows_with_tshark_counts_and_reads_no_unfinished_file()
    {
        CaptureTools.RequireLiveCapture();
        using var traffic = new LiveTraffic();
        string filter = $"port {traffic.HttpPort} or port {traffic.DnsPort} or port {traffic.LongPort} or port {traffic.RefusedPort} or icmp or icmp6";
        using var capture = new ChildProgram("capture", "-i", "lo", "--dir", Captures, "--sensor", "lo", "--rotate-seconds", "2",
            "--filter", filter, "--stats-interval", "1");
        await WaitUntil(() => capture.Output.Contains("capturing on lo", StringComparison.Ordinal), capture);
        using var run = new ChildProgram("run", "--input", Captures, "--output", Output, "--interval", "300ms",
            "--completion", "Rename", "--stale-hidden-after", "0");

        Task longLived = traffic.LongLivedConnection(count: 24, gap: TimeSpan.FromMilliseconds(300));   // ~7 s: 3+ files
        await traffic.HttpRequests(5);
        await traffic.DnsQueries(4);
        LiveTraffic.Pings();
        traffic.RefusedConnection();
        await longLived;
        await Task.Delay(2500, TestContext.Current.CancellationToken);                       // one more rotation
        int batchesWhileCapturing = Batches(Output, "commits").Count;

        capture.Terminate();                                                                // systemd stop
        Assert.True(capture.WaitForExit(Exit) == 0, capture.Output);
        Assert.Empty(Hidden(SensorDir));                                                    // the last file was finalised
        List<string> files = Visible(SensorDir);
        await WaitUntil(() => TakenFiles().Count == files.Count, run);                       // the job takes the last one too
        run.Terminate();
        Assert.True(run.WaitForExit(Exit) == 0, run.Output);
        // End of input: end the flows still open (UDP and ICMP end only when idle) without re-reading a file.
        using (var final = new ChildProgram("run", "--input", Captures, "--output", Output, "--once", "--flush-at-end", "--completion", "Rename"))
        {
            Assert.True(final.WaitForExit(Exit) == 0, final.Output);
        }

        // The job really ran alongside: it committed batches while tcpdump was still writing.
        Assert.True(batchesWhileCapturing >= 2, $"only {batchesWhileCapturing} batches committed during the capture:\n{run.Output}");

        // No file was read before it was finalised: each taken file has its visible name, was taken once, and
        // its size and mtime when taken are those of the final file.
        List<SourceFile> taken = TakenFiles();
        Assert.Equal(files, taken.Select(f => f.Path).Order(StringComparer.Ordinal));
        foreach (SourceFile f in taken)
        {
            Assert.DoesNotContain("/.", "/" + f.Relative, StringComparison.Ordinal);
            var info = new FileInfo(f.Path);
            Assert.Equal(info.Length, f.Size);
            Assert.Equal(new DateTimeOffset(info.LastWriteTimeUtc).ToUnixTimeMilliseconds(), f.MtimeMs);
            Assert.True(CaptureTail.Inspect(f.Path).IsComplete, f.Path);
        }

        // Independent count: tshark over the finished files, per TCP/UDP connection (client port, server port).
        var packets = files.SelectMany(f => Tshark(f).Select(p => (File: f, P: p))).ToList();
        var servers = new[] { traffic.HttpPort, traffic.DnsPort, traffic.LongPort, traffic.RefusedPort };
        var expected = new Dictionary<(int Client, int Server), (long Out, long Back)>();
        foreach ((_, TsharkPacket p) in packets.Where(x => x.P.SrcPort > 0))
        {
            bool toServer = servers.Contains(p.DstPort);
            var key = toServer ? (p.SrcPort, p.DstPort) : (p.DstPort, p.SrcPort);
            (long o, long b) = expected.GetValueOrDefault(key);
            expected[key] = toServer ? (o + 1, b) : (o, b + 1);
        }
        Assert.Equal(5, expected.Keys.Count(k => k.Server == traffic.HttpPort));
        Assert.Equal((4L, 4L), expected.Single(k => k.Key.Server == traffic.DnsPort).Value);
        Assert.Equal(1L, expected.Single(k => k.Key.Server == traffic.RefusedPort).Value.Back);   // the RST

        List<FlowRow> flows = Flows(Output);
        foreach (((int client, int server), (long outCount, long back)) in expected)
        {
            FlowRow flow = Assert.Single(flows, f => f.SrcPort == client && f.DstPort == server);
            Assert.Equal((outCount, back), (flow.SrcPackets, flow.DstPackets));
        }
        Assert.Equal(expected.Count, flows.Count(f => f.IpProto is 6 or 17));             // nothing extra, nothing split
        // Pings (other tests may ping loopback at the same time, so compare totals with tshark, not one exchange).
        foreach ((int proto, string field) in new[] { (1, "icmp.type"), (58, "icmpv6.type") })
        {
            long echo = files.Sum(f => TsharkLines(f, field, proto == 1 ? "icmp.type == 8 || icmp.type == 0" : "icmpv6.type == 128 || icmpv6.type == 129"));
            Assert.True(echo >= 2, $"no ping in the capture ({field})");
            long all = files.Sum(f => TsharkLines(f, field, proto == 1 ? "icmp" : "icmpv6"));
            Assert.Equal(all, flows.Where(f => f.IpProto == proto).Sum(f => f.SrcPackets + f.DstPackets));
        }

        // The long-lived connection spans several rotated files (and batches) and is ONE flow listing them all.
        var longFiles = packets.Where(x => x.P.SrcPort == traffic.LongPort || x.P.DstPort == traffic.LongPort)
            .Select(x => Path.GetRelativePath(Captures, x.File)).Distinct().Order(StringComparer.Ordinal).ToList();
        Assert.True(longFiles.Count >= 3, $"the long-lived connection spans only {longFiles.Count} files");
        FlowRow longFlow = Assert.Single(flows, f => f.DstPort == traffic.LongPort);
        Assert.Equal(longFiles, longFlow.Files.Order(StringComparer.Ordinal));
        Assert.True(BatchesTaking(longFiles) >= 2, "the long-lived connection's files were all in one batch");
        Assert.Equal("fin", longFlow.EndReason);
    }

    [Fact]
    public async Task After_tcpdump_and_capture_are_killed_run_takes_the_stale_hidden_file_only_after_its_age_with_its_complete_records()
    {
        CaptureTools.RequireLiveCapture();
        using var traffic = new LiveTraffic();
        using var capture = new ChildProgram("capture", "-i", "lo", "--dir", Captures, "--sensor", "lo", "--rotate-seconds", "600",
            "--filter", $"port {traffic.DnsPort}");
        await WaitUntil(() => capture.Output.Contains("capturing on lo", StringComparison.Ordinal), capture);
        int tcpdump = CaptureTools.TcpdumpPid(SensorDir);
        Assert.True(tcpdump > 0);
        await traffic.DnsQueries(1500);   // well past tcpdump's stdio buffer: the file holds flushed packets

        // Power cut: the supervisor first (so it cannot finalise anything), then tcpdump, buffer unflushed.
        Assert.True(Native.Kill(capture.Id, Native.SigKill));
        capture.WaitForExit(Exit);
        Assert.True(Native.Kill(tcpdump, Native.SigKill));
        await WaitUntil(() => !Directory.Exists($"/proc/{tcpdump}"), null);
        string stale = Assert.Single(Hidden(SensorDir));
        long staleLength = new FileInfo(stale).Length;
        CaptureTail.Result tail = CaptureTail.Inspect(stale);
        Assert.True(tail.HasHeader && tail.Records > 0, $"the killed file holds no packet ({staleLength} bytes)");
        Assert.Null(tail.Damage);                                                               // only its end is cut short
        DateTime killed = File.GetLastWriteTimeUtc(stale);

        // Younger than its age: run leaves it alone (it may still be written).
        string[] runOnce = ["run", "--input", Captures, "--output", Output, "--once", "--completion", "Rename", "--stale-hidden-after", "6s"];
        using (var early = new ChildProgram(runOnce))
        {
            Assert.True(early.WaitForExit(Exit) == 0, early.Output);
        }
        Assert.True(DateTime.UtcNow - killed < TimeSpan.FromSeconds(6), "the machine was too slow to check before the age");
        Assert.Empty(TakenFiles());

        // Past its age: taken as is, its complete records ingested, the cut-short tail reported, no crash.
        while (DateTime.UtcNow - killed < TimeSpan.FromSeconds(6.5))
        {
            await Task.Delay(200, TestContext.Current.CancellationToken);
        }
        using (var late = new ChildProgram(runOnce))
        {
            Assert.True(late.WaitForExit(Exit) == 0, late.Output);
            Assert.Contains($"taking {stale}: hidden and unchanged", late.Output, StringComparison.Ordinal);
        }
        SourceFile took = Assert.Single(TakenFiles());
        Assert.Equal(stale, took.Path);
        Assert.Equal(staleLength, took.Size);
        Assert.Equal(staleLength, new FileInfo(stale).Length);                                  // the job changes nothing
        string relative = Path.GetRelativePath(Captures, stale);
        Assert.Equal(tail.Records, DatasetComparer.Scalar($"SELECT count(*) FROM {DatasetComparer.Source(Output, "packets")} WHERE file = '{relative}'"));
        Assert.Equal(tail.Records, TsharkCountTolerant(stale));
        CommitEntry commit = ReadEntries<CommitEntry>(Output, "commits").Single(c => c.FileCount == 1);
        if (tail.IsRepairable)
        {
            DamagedFile damage = Assert.Single(commit.Damaged);
            Assert.Equal(relative, damage.File);
            Assert.Equal(tail.CompleteLength, damage.Offset);
            Assert.Contains("truncated", damage.Reason, StringComparison.Ordinal);
        }
        else
        {
            Assert.Empty(commit.Damaged);   // the kill happened to land between two records
        }
        Assert.Equal(tail.Records, commit.PacketCount);

        // A capture restarted later must not finalise what the job already took: a new name would be ingested twice.
        using (var restarted = new ChildProgram("capture", "-i", "lo", "--dir", Captures, "--sensor", "lo", "--rotate-seconds", "600",
            "--filter", $"port {traffic.DnsPort}", "--output", Output))
        {
            await WaitUntil(() => restarted.Output.Contains("capturing on lo", StringComparison.Ordinal), restarted);
            restarted.Terminate();
            Assert.True(restarted.WaitForExit(Exit) == 0, restarted.Output);
            Assert.Contains("the job already took it", restarted.Output, StringComparison.Ordinal);
        }
        Assert.Equal(staleLength, new FileInfo(stale).Length);
        Assert.False(File.Exists(CaptureNaming.VisiblePath(stale, "dump", "%Y/%m/%d", numberParts: false)));
    }

    private List<SourceFile> TakenFiles() => [.. ReadEntries<SourceEntry>(Output, "sources").SelectMany(e => e.Files)];

    private int BatchesTaking(List<string> relatives) =>
        ReadEntries<SourceEntry>(Output, "sources").Count(e => e.Files.Any(f => relatives.Contains(f.Relative)));

    private static List<long> Batches(string output, string log)
    {
        string dir = Path.Combine(output, "_pcapstream", log);
        return Directory.Exists(dir) ? new MetadataLog(dir).Batches() : [];
    }

    /// <summary>The job's metadata files, read with its own log and JSON settings.</summary>
    private static List<T> ReadEntries<T>(string output, string log)
    {
        string dir = Path.Combine(output, "_pcapstream", log);
        if (!Directory.Exists(dir))
        {
            return [];
        }
        var l = new MetadataLog(dir);
        return [.. l.Batches().Select(b => MetadataJson.Read<T>(l.ReadText(b)!, l.PathOf(b)))];
    }

    private static List<string> Visible(string dir) =>
        [.. Directory.EnumerateFiles(dir, "*.pcap", SearchOption.AllDirectories)
            .Where(p => !Path.GetRelativePath(dir, p).Split('/').Any(s => s.StartsWith('.'))).Order(StringComparer.Ordinal)];

    private static List<string> Hidden(string dir) =>
        [.. Directory.EnumerateFiles(dir, ".dump-*").Where(p => CaptureNaming.TryParseHidden(Path.GetFileName(p), "dump", out _, out _))];

    private readonly record struct TsharkPacket(int SrcPort, int DstPort);

    private static List<TsharkPacket> Tshark(string file) =>
        [.. CaptureTools.Run("tshark", "-n", "-r", file, "-T", "fields", "-E", "separator=,",
                "-e", "tcp.srcport", "-e", "tcp.dstport", "-e", "udp.srcport", "-e", "udp.dstport")
            .Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => l.Split(','))
            .Select(f => new TsharkPacket(Port(f[0], f[2]), Port(f[1], f[3])))];

    private static long TsharkLines(string file, string field, string displayFilter) =>
        CaptureTools.Run("tshark", "-n", "-r", file, "-Y", displayFilter, "-T", "fields", "-e", field)
            .Split('\n', StringSplitOptions.RemoveEmptyEntries).Length;

    private static int Port(string tcp, string udp) =>
        int.TryParse(tcp.Length > 0 ? tcp : udp, System.Globalization.CultureInfo.InvariantCulture, out int p) ? p : 0;

    /// <summary>tshark's packet count for a file cut short (it says so on stderr and exits non-zero).</summary>
    private static long TsharkCountTolerant(string path)
    {
        var psi = new System.Diagnostics.ProcessStartInfo("tshark") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string a in (string[])["-n", "-r", path, "-T", "fields", "-e", "frame.number"])
        {
            psi.ArgumentList.Add(a);
        }
        using var p = System.Diagnostics.Process.Start(psi)!;
        Task<string> err = p.StandardError.ReadToEndAsync();
        string output = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        Assert.True(p.ExitCode == 0 || err.Result.Contains("cut short", StringComparison.Ordinal), err.Result);
        return output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length;
    }

    private sealed record FlowRow(int? SrcPort, int? DstPort, int IpProto, string SrcIP, long SrcPackets, long DstPackets, string EndReason, List<string> Files);

    private static List<FlowRow> Flows(string output)
    {
        using var connection = new DuckDBConnection("DataSource=:memory:");
        connection.Open();
        using DuckDBCommand command = connection.CreateCommand();
        command.CommandText = $"SELECT srcPort, dstPort, ipProto, srcIP, srcPackets, dstPackets, endReason, array_to_string(files, '|') FROM {DatasetComparer.Source(output, "flows")}";
        using DuckDBDataReader r = command.ExecuteReader();
        var rows = new List<FlowRow>();
        while (r.Read())
        {
            rows.Add(new FlowRow(r.IsDBNull(0) ? null : r.GetInt32(0), r.IsDBNull(1) ? null : r.GetInt32(1), r.GetInt32(2), r.GetString(3),
                r.GetInt64(4), r.GetInt64(5), r.GetString(6), [.. r.GetString(7).Split('|', StringSplitOptions.RemoveEmptyEntries)]));
        }
        return rows;
    }

    /// <summary>Waits up to 30 s; fails early when <paramref name="program"/> (whose output explains why) exits meanwhile.</summary>
    private static async Task WaitUntil(Func<bool> condition, ChildProgram? program)
    {
        for (int i = 0; i < 600 && !condition(); i++)
        {
            Assert.False(program is { HasExited: true } && !condition(), $"pcapstream {program?.Args} exited:\n{program?.Output}");
            await Task.Delay(50);
        }
        Assert.True(condition(), $"timed out waiting; pcapstream {program?.Args}:\n{program?.Output}");
    }
}
