using PcapStream.Query;

namespace PcapStream.Tests.Query;

/// <summary>
/// extract on datasets made by the real ingest, compared byte for byte with what tshark's filter on the flow's
/// addresses, ports and VLAN takes from the source captures.
/// </summary>
public sealed class ExtractTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("pcapstream-extract").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <param name="expectedPcap">What tshark's filter selected.</param>
    /// <param name="actual">What extract wrote.</param>
    /// <param name="within">For a flow whose addresses and ports another flow reuses later (UDP after its idle
    /// timeout): only tshark's packets within the flow's first and last packet time.</param>
    private static void AssertSameRecords(string expectedPcap, string actual, FlowRow? within = null)
    {
        List<WalkedRecord> expected = CaptureWalk.Read(expectedPcap), got = CaptureWalk.Read(actual);
        if (within is not null)
        {
            expected = [.. expected.Where(r => r.TimestampNanos >= within.FirstSeenNanos && r.TimestampNanos <= within.LastSeenNanos)];
        }
        Assert.NotEmpty(expected);
        Assert.Equal(expected.Count, got.Count);
        for (int i = 0; i < expected.Count; i++)
        {
            Assert.Equal(expected[i].TimestampNanos, got[i].TimestampNanos);
            Assert.Equal(expected[i].Length, got[i].Length);
            Assert.Equal(expected[i].LinkType, got[i].LinkType);
            Assert.Equal(expected[i].Data, got[i].Data);
        }
    }

    private string Extract(string output, FlowRow flow, string? inputRoot = null, bool pcapng = false)
    {
        string file = Path.Combine(_dir, $"flow-{flow.FlowId}.{(pcapng ? "pcapng" : "pcap")}");
        ExtractResult result = PacketExtractor.Run(new ExtractRequest
        {
            OutputDirectory = output, Destination = file, FlowId = flow.FlowId, InputRoot = inputRoot, PcapNg = pcapng,
        });
        Assert.Equal(1, result.Flows);
        Assert.Equal(flow.Packets, result.Packets);
        return file;
    }

    [Theory]
    [InlineData("ethernet/simple_http.pcap", "TCP", 4)]
    [InlineData("ethernet/test_dns.pcap", "UDP", 4)]
    [InlineData("ethernet/dhcp-rfc4388.pcap", "ICMP", 4)]
    [InlineData("linktypes/test_loopback.pcap", "TCP", 6)]
    [InlineData("vlan/linecall_falsepositve.pcap", "UDP", 4)]
    [InlineData("traffic/alexa-app.pcapng", "TCP", 4)]
    public void Extract_of_a_corpus_flow_is_byte_for_byte_what_tshark_filters_from_the_capture(string capture, string protocol, int ipVersion)
    {
        string source = Ingested.Corpus(capture);
        string output = Ingested.Ingest(Path.Combine(_dir, "out"), source);
        List<FlowRow> flows = Ingested.Flows(output);
        HashSet<FlowRow> unique = [.. Ingested.Unique(flows)];
        FlowRow flow = flows.Where(f => f.Protocol == protocol && f.IpVersion == ipVersion)
            .OrderByDescending(unique.Contains).ThenByDescending(f => f.Packets).First();
        if (capture.StartsWith("vlan/", StringComparison.Ordinal))
        {
            Assert.NotNull(flow.Vlan);
        }
        string actual = Extract(output, flow);
        AssertSameRecords(Ingested.TsharkSelect(source, Ingested.Filter(flow), Path.Combine(_dir, "expected.pcap")), actual,
            unique.Contains(flow) ? null : flow);
        if (!capture.EndsWith(".pcapng", StringComparison.Ordinal))
        {
            // pcap in, pcap out: every record is the source's bytes, record header included, in file order
            byte[] src = File.ReadAllBytes(source), written = File.ReadAllBytes(actual);
            Assert.Equal(src.AsSpan(0, 4).ToArray(), written.AsSpan(0, 4).ToArray());
            var records = CaptureWalk.Read(source).ToDictionary(r => (r.TimestampNanos, Convert.ToHexString(r.Data)));
            int at = 24;
            foreach (WalkedRecord w in CaptureWalk.Read(actual))
            {
                WalkedRecord r = records[(w.TimestampNanos, Convert.ToHexString(w.Data))];
                Assert.Equal(src.AsSpan((int)r.Offset, r.RecordLength).ToArray(), written.AsSpan(at, r.RecordLength).ToArray());
                at += r.RecordLength;
            }
            Assert.Equal(written.Length, at);
        }
    }

    public static TheoryData<string> SampleKinds => ["TCP", "UDP", "ICMP", "IPv6", "VLAN", "rotated"];

    [Theory]
    [MemberData(nameof(SampleKinds))]
    public void Extract_of_a_sample_flow_is_byte_for_byte_what_tshark_filters_from_the_rotated_captures(string kind)
    {
        var (_, output, merged) = Ingested.Sample;
        IEnumerable<FlowRow> flows = Ingested.Unique(Ingested.Flows(output));
        flows = kind switch
        {
            "IPv6" => flows.Where(f => f.IpVersion == 6 && f.Vlan is null),
            "VLAN" => flows.Where(f => f.Vlan is not null),
            "rotated" => flows.Where(f => f.Files >= 3),
            _ => flows.Where(f => f.Protocol == kind && f.IpVersion == 4 && f.Vlan is null),
        };
        FlowRow flow = flows.OrderByDescending(f => f.Files).ThenByDescending(f => f.Packets).ThenBy(f => f.FlowId, StringComparer.Ordinal).First();
        string actual = Extract(output, flow);
        AssertSameRecords(Ingested.TsharkSelect(merged, Ingested.Filter(flow), Path.Combine(_dir, "expected.pcap")), actual);
        if (kind == "rotated")
        {
            Assert.True(flow.Files >= 3, $"the long-lived connection spans {flow.Files} files");
            Assert.True(flow.Packets > 50);
        }
    }

    [Fact]
    public void Extract_as_pcapng_keeps_every_packet_and_its_time()
    {
        var (_, output, merged) = Ingested.Sample;
        FlowRow flow = Ingested.Unique(Ingested.Flows(output)).Where(f => f.Files >= 2).OrderByDescending(f => f.Packets).First();
        string actual = Extract(output, flow, pcapng: true);
        AssertSameRecords(Ingested.TsharkSelect(merged, Ingested.Filter(flow), Path.Combine(_dir, "expected.pcap")), actual);
        Assert.Equal(flow.Packets, Ingested.Tshark(actual, "-e", "frame.number").Length);
    }

    [Fact]
    public void Mixed_link_types_become_pcapng_with_each_packet_on_its_own_link_type()
    {
        string http = Ingested.Corpus("ethernet/simple_http.pcap"), loopback = Ingested.Corpus("linktypes/test_loopback.pcap");
        string output = Ingested.Ingest(Path.Combine(_dir, "out"), http, loopback);
        string file = Path.Combine(_dir, "all.pcap");
        ExtractResult result = PacketExtractor.Run(new ExtractRequest { OutputDirectory = output, Destination = file, Where = "protocol = 'TCP'" });
        Assert.True(result.WrotePcapNg);
        List<WalkedRecord> got = CaptureWalk.Read(file);
        // Independent: tshark's TCP frames of both captures, in time order.
        List<WalkedRecord> expected = [.. CaptureWalk.Read(Ingested.TsharkSelect(http, "tcp && !icmp", Path.Combine(_dir, "a.pcap"))),
            .. CaptureWalk.Read(Ingested.TsharkSelect(loopback, "tcp && !icmp", Path.Combine(_dir, "b.pcap")))];
        expected = [.. expected.OrderBy(r => r.TimestampNanos)];
        Assert.Equal(expected.Count, got.Count);
        Assert.Equal(new[] { 0, 1 }, got.Select(r => r.LinkType).Distinct().Order());
        for (int i = 0; i < got.Count; i++)
        {
            Assert.Equal(expected[i].TimestampNanos, got[i].TimestampNanos);
            Assert.Equal(expected[i].LinkType, got[i].LinkType);
            Assert.Equal(expected[i].Data, got[i].Data);
        }
        Assert.Equal(got.Count, Ingested.Tshark(file, "-e", "frame.number").Length);
    }

    [Fact]
    public void Extract_by_community_id_and_where_with_a_date_select_the_same_flow()
    {
        var (_, output, _) = Ingested.Sample;
        FlowRow flow = Ingested.Unique(Ingested.Flows(output)).First(f => f.Protocol == "UDP" && f.DstPort == 53);
        DateTime day = DateTime.UnixEpoch.AddTicks(flow.FirstSeenNanos / 100);
        string a = Path.Combine(_dir, "a.pcap"), b = Path.Combine(_dir, "b.pcap");
        PacketExtractor.Run(new ExtractRequest { OutputDirectory = output, Destination = a, CommunityId = flow.CommunityId });
        Assert.Equal(0, PcapStream.Cli.Program.Main(["extract", "--output", output, "-w", b,
            "--where", $"dstPort = 53 and srcPort = {flow.SrcPort} and srcIP = '{flow.SrcIP}' and date = '{day:yyyy-MM-dd}'"]));
        Assert.Equal(File.ReadAllBytes(a), File.ReadAllBytes(b));
        Assert.Equal(flow.Packets, CaptureWalk.Read(a).Count);
        Assert.Equal(1, PcapStream.Cli.Program.Main(["extract", "--output", output, "-w", b, "--flow", "no-such-flow"]));
        Assert.Equal(2, PcapStream.Cli.Program.Main(["extract", "--output", output, "-w", b, "--flow", "x", "--community-id", "y"]));
    }

    [Fact]
    public void Moved_captures_are_found_with_input_root_and_a_deleted_or_changed_one_is_named_in_a_clear_error()
    {
        string source = Ingested.Corpus("ethernet/simple_http.pcap");
        string input = Path.Combine(_dir, "in");
        Directory.CreateDirectory(input);
        File.Copy(source, Path.Combine(input, "capture.pcap"));
        string output = Ingested.Ingest(Path.Combine(_dir, "out"), input);
        FlowRow flow = Ingested.Flows(output).OrderByDescending(f => f.Packets).First();
        string dest = Path.Combine(_dir, "x.pcap");
        var request = new ExtractRequest { OutputDirectory = output, Destination = dest, FlowId = flow.FlowId };

        // where the ingest's source log says the capture was
        PacketExtractor.Run(request);
        byte[] first = File.ReadAllBytes(dest);

        // moved: named in the error, found again with --input-root
        string moved = Path.Combine(_dir, "moved");
        Directory.Move(input, moved);
        CaptureChangedException gone = Assert.Throws<CaptureChangedException>(() => PacketExtractor.Run(request));
        Assert.Contains("'capture.pcap' no longer exists", gone.Message, StringComparison.Ordinal);
        Assert.Equal(1, PcapStream.Cli.Program.Main(["extract", "--output", output, "-w", dest, "--flow", flow.FlowId]));
        Assert.Equal(0, PcapStream.Cli.Program.Main(["extract", "--output", output, "-w", dest, "--flow", flow.FlowId, "--input-root", moved]));
        Assert.Equal(first, File.ReadAllBytes(dest));
        File.Delete(dest);
        Directory.Move(moved, input);

        // changed: the capture was rewritten with its first packet removed, so every later offset points elsewhere
        List<WalkedRecord> records = CaptureWalk.Read(source);
        byte[] bytes = File.ReadAllBytes(source);
        int cut = (int)records[0].Offset, skip = records[0].RecordLength;
        File.WriteAllBytes(Path.Combine(input, "capture.pcap"), [.. bytes.AsSpan(0, cut), .. bytes.AsSpan(cut + skip)]);
        CaptureChangedException changed = Assert.Throws<CaptureChangedException>(() => PacketExtractor.Run(request));
        Assert.Contains("'capture.pcap' changed since ingest", changed.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(dest));
    }
}
