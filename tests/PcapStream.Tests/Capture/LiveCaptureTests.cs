using System.Collections.Concurrent;
using PcapStream.Capture;

namespace PcapStream.Tests.Capture;

/// <summary>
/// <c>pcapstream capture</c> on the loopback interface with real traffic and a 1 s rotation. Needs root and
/// tcpdump (CI runs as root and installs it); tshark is the independent reader of what was written.
/// </summary>
public sealed class LiveCaptureTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("pcapstream-live-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private CaptureStreamOptions Options(string sensor, int rotateMb = 0) => new()
    {
        Interface = "lo",
        Sensor = sensor,
        SensorDirectory = Path.Combine(_root, sensor),
        RotateSeconds = 1,
        RotateMegabytes = rotateMb,
        TcpdumpPath = CaptureDiagnosis.FindTcpdump("tcpdump"),
        BufferMegabytes = 4,
    };

    private static List<string> VisibleCaptures(string dir) =>
        [.. Directory.EnumerateFiles(dir, "*.pcap", SearchOption.AllDirectories)
            .Where(p => !Path.GetFileName(p).StartsWith('.')).Order(StringComparer.Ordinal)];

    private static List<string> HiddenCaptures(string dir) =>
        [.. Directory.EnumerateFiles(dir, ".dump-*").Where(p => CaptureNaming.TryParseHidden(Path.GetFileName(p), "dump", out _, out _))];

    /// <summary>Per packet: tcp src,dst, udp src,dst, icmp type, icmpv6 type, syn, rst — as tshark reads them.</summary>
    private static List<string[]> Tshark(string file) =>
        [.. CaptureTools.Run("tshark", "-n", "-r", file, "-T", "fields", "-E", "separator=,",
                "-e", "tcp.srcport", "-e", "tcp.dstport", "-e", "udp.srcport", "-e", "udp.dstport",
                "-e", "icmp.type", "-e", "icmpv6.type", "-e", "tcp.flags.syn", "-e", "tcp.flags.reset", "-e", "tcp.flags.ack", "-e", "tcp.len")
            .Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split(','))];

    [Fact]
    public async Task Capture_rotates_real_traffic_into_complete_visible_files_and_never_shows_a_growing_one()
    {
        CaptureTools.RequireLiveCapture();
        CaptureStreamOptions o = Options("lo-live", rotateMb: 1);
        using var traffic = new LiveTraffic();
        using var stop = new CancellationTokenSource();
        var supervisor = new CaptureSupervisor([o], TextWriter.Null) { StatsInterval = TimeSpan.FromSeconds(1) };
        Task<int> capture = Task.Run(() => supervisor.Run(stop.Token));

        // A watcher in the role of the job: every visible file must be complete when first seen, and never change after.
        var firstSeen = new ConcurrentDictionary<string, long>();
        var incompleteWhenSeen = new ConcurrentBag<string>();
        using var watching = new CancellationTokenSource();
        Task watcher = Task.Run(async () =>
        {
            while (!watching.IsCancellationRequested)
            {
                if (Directory.Exists(o.SensorDirectory))
                {
                    foreach (string f in VisibleCaptures(o.SensorDirectory))
                    {
                        if (firstSeen.TryAdd(f, new FileInfo(f).Length) && !CaptureTail.Inspect(f).IsComplete)
                        {
                            incompleteWhenSeen.Add(f);
                        }
                    }
                }
                await Task.Delay(20, TestContext.Current.CancellationToken);
            }
        }, TestContext.Current.CancellationToken);

        // The hook is written before tcpdump starts; tcpdump opens its first (hidden) file only once the interface
        // is activated, so traffic sent after that file appears is captured even on a loaded machine.
        await WaitUntil(() => Directory.Exists(o.SensorDirectory) && HiddenCaptures(o.SensorDirectory).Count > 0);
        await Task.Delay(500, TestContext.Current.CancellationToken);
        Task longLived = traffic.LongLivedConnection(count: 14, gap: TimeSpan.FromMilliseconds(250));
        await traffic.HttpRequests(5);
        await traffic.DnsQueries(4);
        LiveTraffic.Pings();
        traffic.RefusedConnection();
        await longLived;
        await Task.Delay(300, TestContext.Current.CancellationToken);
        stop.Cancel();
        Assert.Equal(0, await capture);
        watching.Cancel();
        await watcher;

        Assert.Empty(HiddenCaptures(o.SensorDirectory));                      // the last file was finalised too
        List<string> files = VisibleCaptures(o.SensorDirectory);
        Assert.True(files.Count >= 3, $"expected several rotated files, got {files.Count}");
        Assert.Empty(incompleteWhenSeen);
        foreach (string f in files)
        {
            Assert.True(CaptureTail.Inspect(f).IsComplete, f);
            if (firstSeen.TryGetValue(f, out long size))
            {
                Assert.Equal(size, new FileInfo(f).Length);                    // no visible file grew
            }
            Assert.Matches(@"/\d{4}/\d{2}/\d{2}/dump-\d{8}-\d{6}-\d{3}\.pcap$", f);
        }

        // What tshark reads back, file by file, in capture order.
        var perFile = files.Select(Tshark).ToList();
        var all = perFile.SelectMany(x => x).ToList();
        string http = traffic.HttpPort.ToString(), dns = traffic.DnsPort.ToString(), lng = traffic.LongPort.ToString(), refused = traffic.RefusedPort.ToString();
        Assert.Equal(5, all.Count(p => p[1] == http && p[6] == "1" && p[8] == "0"));   // 5 HTTP connections opened
        Assert.Equal(4, all.Count(p => p[3] == dns));                                   // 4 queries
        Assert.Equal(4, all.Count(p => p[2] == dns));                                   // 4 answers
        Assert.Contains(all, p => p[4] == "8");                                         // ping 127.0.0.1
        Assert.Contains(all, p => p[4] == "0");
        Assert.Contains(all, p => p[5] == "128");                                       // ping ::1
        Assert.Contains(all, p => p[5] == "129");
        Assert.Contains(all, p => p[0] == refused && p[7] == "1");                      // refused: RST back
        Assert.Equal(14, all.Count(p => p[1] == lng && p[9] == "1"));                   // every byte of the long connection
        int filesWithLong = perFile.Count(f => f.Any(p => p[0] == lng || p[1] == lng));
        Assert.True(filesWithLong >= 3, $"the long-lived connection should span several files, spans {filesWithLong}");
    }

    [Fact]
    public async Task When_tcpdump_is_killed_the_supervisor_repairs_and_finalises_its_last_file_and_fails()
    {
        CaptureTools.RequireLiveCapture();
        CaptureStreamOptions o = Options("lo-kill");
        using var traffic = new LiveTraffic();
        var supervisor = new CaptureSupervisor([o], TextWriter.Null);
        Task<int> capture = Task.Run(() => supervisor.Run(CancellationToken.None));
        await WaitUntil(() => CaptureTools.TcpdumpPid(o.SensorDirectory, o.Prefix) > 0);
        await traffic.LongLivedConnection(count: 8, gap: TimeSpan.FromMilliseconds(250));
        await traffic.HttpRequests(3);

        Assert.True(Native.Kill(CaptureTools.TcpdumpPid(o.SensorDirectory, o.Prefix), Native.SigKill));
        Assert.Equal(1, await capture.WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken));

        Assert.Empty(HiddenCaptures(o.SensorDirectory));
        List<string> files = VisibleCaptures(o.SensorDirectory);
        Assert.NotEmpty(files);
        foreach (string f in files)
        {
            CaptureTail.Result r = CaptureTail.Inspect(f);
            Assert.True(r.IsComplete, f);
            Assert.Equal(r.Records, CaptureTools.TsharkCount(f));
        }
    }

    [Fact]
    public async Task A_capture_killed_outright_leaves_a_stale_hidden_file_that_the_next_start_repairs_and_finalises()
    {
        CaptureTools.RequireLiveCapture();
        CaptureStreamOptions o = Options("lo-crash") with { RotateSeconds = 3 };
        using var traffic = new LiveTraffic();
        using (var stream = new CaptureStream(o, TextWriter.Null))
        {
            stream.Start(TimeSpan.FromSeconds(15));
            await traffic.LongLivedConnection(count: 10, gap: TimeSpan.FromMilliseconds(250));
            await Task.Delay(3100, TestContext.Current.CancellationToken);
            await traffic.DnsQueries(1500);   // well past tcpdump's stdio buffer, so the killed file holds packets
            // Power cut: tcpdump dies with its buffer unflushed, and nothing finalises (no Complete()).
            Native.Kill(stream.ProcessId, Native.SigKill);
            await WaitUntil(() => stream.HasExited);
        }
        // The killed file is the newest hidden one (under load the kill can land while the previous rotation's
        // hook has not run yet, leaving that file hidden too; the restart finalises both).
        List<string> hidden = HiddenCaptures(o.SensorDirectory);
        Assert.NotEmpty(hidden);
        string stale = hidden.Order(StringComparer.Ordinal).Last();
        foreach (string f in VisibleCaptures(o.SensorDirectory))
        {
            Assert.True(CaptureTail.Inspect(f).IsComplete, f);                    // what was visible is whole
        }
        long staleRecords = CaptureTail.Inspect(stale).Records;
        long staleLength = new FileInfo(stale).Length;
        string expected = CaptureNaming.VisiblePath(stale, "dump", o.DirectoryFormat, o.NumberParts)!;

        // The stale file is what `run` takes after run.hiddenStaleSeconds; a restarted capture takes it at once.
        var log = new StringWriter();
        using (var restarted = new CaptureStream(o, log))
        {
            restarted.Start(TimeSpan.FromSeconds(15));
            // (a restart within the same second may open a new hidden file of the same name: check the visible one)
            Assert.True(File.Exists(expected), log.ToString());
            restarted.RequestStop();
            restarted.WaitForExit(TimeSpan.FromSeconds(10));
            restarted.Complete();
        }
        Assert.True(staleRecords > 0, $"the killed file should hold flushed packets ({staleLength} bytes)");
        CaptureTail.Result r = CaptureTail.Inspect(expected);
        Assert.True(r.IsComplete);
        Assert.Equal(staleRecords, r.Records);
        Assert.Equal(r.Records, CaptureTools.TsharkCount(expected));
        Assert.Empty(HiddenCaptures(o.SensorDirectory));
    }

    [Fact]
    public void A_missing_interface_is_explained_with_the_interfaces_that_exist()
    {
        CaptureTools.RequireLiveCapture();
        CaptureStreamOptions o = Options("nope") with { Interface = "nosuch0" };
        using var stream = new CaptureStream(o, TextWriter.Null);
        var e = Assert.Throws<CaptureException>(() => stream.Start(TimeSpan.FromSeconds(15)));
        Assert.Contains("'nosuch0' does not exist", e.Message);
        Assert.Contains("lo", e.Message);
    }

    private static async Task WaitUntil(Func<bool> condition)
    {
        for (int i = 0; i < 300 && !condition(); i++)
        {
            await Task.Delay(50);
        }
        Assert.True(condition(), "timed out waiting");
    }
}
