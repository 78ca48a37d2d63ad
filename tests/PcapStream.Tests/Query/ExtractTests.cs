using PcapStream.Query;
using PcapStream.Tests.Support;

namespace PcapStream.Tests.Query;

public sealed class ExtractTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("pcapstream-extract").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>tshark's display filter for a flow's 5-tuple (and VLAN): the independent path to its packets.</summary>
    private static string Filter(FlowRow f)
    {
        string ip = f.IpVersion == 6 ? "ipv6" : "ip";
        string filter = $"{ip}.addr == {f.SrcIP} && {ip}.addr == {f.DstIP}";
        filter += f.Protocol switch
        {
            "TCP" => $" && tcp.port == {f.SrcPort} && tcp.port == {f.DstPort}",
            "UDP" => $" && udp.port == {f.SrcPort} && udp.port == {f.DstPort}",
            "ICMP" => " && icmp && !udp && !tcp",
            _ => "",
        };
        return f.Vlan is int v ? filter + $" && vlan.id == {v}" : filter;
    }

    private static void AssertSameRecords(string expectedPcap, string actual)
    {
        List<WalkedRecord> expected = CaptureWalk.Read(expectedPcap), got = CaptureWalk.Read(actual);
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
        Assert.Equal(flow.Packets.Count, result.Packets);
        return file;
    }

    [Theory]
    [InlineData("ethernet/simple_http.pcap", "TCP", 4)]
    [InlineData("ethernet/test_dns.pcap", "UDP", 4)]
    [InlineData("ethernet/dhcp-rfc4388.pcap", "ICMP", 4)]
    [InlineData("linktypes/test_loopback.pcap", "TCP", 6)]
    [InlineData("vlan/linecall_falsepositve.pcap", "UDP", 4)]
    [InlineData("traffic/alexa-app.pcapng", "TCP", 4)]
    public void Extract_of_a_flow_is_byte_for_byte_what_tshark_filters_from_the_capture(string capture, string protocol, int ipVersion)
    {
        string root = SharedData.Require("pcaps");
        string output = Path.Combine(_dir, "out");
        var (_, flows) = DatasetBuilder.Build(output, root, [capture]);
        FlowRow flow = flows.Where(f => f.Protocol == protocol && f.IpVersion == ipVersion && (protocol != "ICMP" || f.SrcPort is null))
            .OrderByDescending(f => f.Packets.Count).First();
        if (capture.StartsWith("vlan/", StringComparison.Ordinal))
        {
            Assert.NotNull(flow.Vlan);
        }
        string actual = Extract(output, flow);
        string expected = Path.Combine(_dir, "expected.pcap");
        DatasetBuilder.Run("tshark", ["-r", Path.Combine(root, capture), "-Y", Filter(flow), "-w", expected, "-F", "pcap"]);
        AssertSameRecords(expected, actual);
        if (!capture.EndsWith(".pcapng", StringComparison.Ordinal))
        {
            // pcap in, pcap out: the whole records are the source's bytes, header included
            byte[] source = File.ReadAllBytes(Path.Combine(root, capture));
            byte[] written = File.ReadAllBytes(actual);
            Assert.Equal(source.AsSpan(0, 4).ToArray(), written.AsSpan(0, 4).ToArray());
            int at = 24;
            foreach (PacketRow p in flow.Packets)
            {
                int length = 16 + p.CapturedLength;
                Assert.Equal(source.AsSpan((int)p.FileOffset, length).ToArray(), written.AsSpan(at, length).ToArray());
                at += length;
            }
            Assert.Equal(written.Length, at);
        }
    }

    [Fact]
    public void Extract_of_a_flow_spanning_rotated_files_joins_them_in_time_order()
    {
        string source = SharedData.Require("pcaps/ethernet/simple_http.pcap");
        string input = Path.Combine(_dir, "in");
        Directory.CreateDirectory(input);
        DatasetBuilder.Run("editcap", ["-c", "5", source, Path.Combine(input, "dump.pcap")]);
        string[] parts = Directory.GetFiles(input).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToArray()!;
        Assert.True(parts.Length >= 4);
        string output = Path.Combine(_dir, "out");
        var (_, flows) = DatasetBuilder.Build(output, input, parts);
        FlowRow flow = flows.OrderByDescending(f => f.Packets.Select(p => p.File).Distinct().Count()).First();
        Assert.True(flow.Packets.Select(p => p.File).Distinct().Count() >= 2, "the flow crosses rotated files");
        string actual = Extract(output, flow, inputRoot: input);
        string expected = Path.Combine(_dir, "expected.pcap");
        DatasetBuilder.Run("tshark", ["-r", source, "-Y", Filter(flow), "-w", expected, "-F", "pcap"]);
        AssertSameRecords(expected, actual);
    }

    [Fact]
    public void Mixed_link_types_become_pcapng_with_each_packet_on_its_own_link_type()
    {
        string root = SharedData.Require("pcaps");
        string output = Path.Combine(_dir, "out");
        var (packets, flows) = DatasetBuilder.Build(output, root, ["ethernet/simple_http.pcap", "linktypes/test_loopback.pcap"]);
        string file = Path.Combine(_dir, "all.pcap");
        ExtractResult result = PacketExtractor.Run(new ExtractRequest { OutputDirectory = output, Destination = file, Where = "protocol = 'TCP'" });
        Assert.True(result.WrotePcapNg);
        List<WalkedRecord> got = CaptureWalk.Read(file);
        List<PacketRow> expected = flows.Where(f => f.Protocol == "TCP").SelectMany(f => f.Packets)
            .OrderBy(p => p.TimestampNanos).ThenBy(p => p.File, StringComparer.Ordinal).ThenBy(p => p.FileOffset).ToList();
        Assert.Equal(expected.Count, got.Count);
        Assert.Equal(new[] { 0, 1 }, got.Select(r => r.LinkType).Distinct().Order());
        for (int i = 0; i < got.Count; i++)
        {
            Assert.Equal(expected[i].TimestampNanos, got[i].TimestampNanos);
            Assert.Equal(expected[i].LinkType, got[i].LinkType);
        }
        // tshark reads what we wrote as the same number of frames
        Assert.Equal(got.Count, DatasetBuilder.Tshark(file, "-e", "frame.number").Length);
        Assert.True(packets.Count > got.Count || packets.All(p => p.Protocol == "TCP"));
    }

    [Fact]
    public void Extract_by_community_id_and_where_with_a_date_select_the_same_flow()
    {
        string root = SharedData.Require("pcaps");
        string output = Path.Combine(_dir, "out");
        var (_, flows) = DatasetBuilder.Build(output, root, ["ethernet/test_dns.pcap"]);
        FlowRow flow = flows[0];
        DateTime day = DateTime.UnixEpoch.AddTicks(flow.FirstSeenNanos / 100);
        string a = Path.Combine(_dir, "a.pcap"), b = Path.Combine(_dir, "b.pcap");
        PacketExtractor.Run(new ExtractRequest { OutputDirectory = output, Destination = a, CommunityId = flow.CommunityId });
        Assert.Equal(0, PcapStream.Cli.Program.Main(["extract", "--output", output, "-w", b,
            "--where", $"dstPort = {flow.DstPort} and srcPort = {flow.SrcPort} and date = '{day:yyyy-MM-dd}'"]));
        Assert.Equal(File.ReadAllBytes(a), File.ReadAllBytes(b));
        Assert.Equal(flow.Packets.Count, CaptureWalk.Read(a).Count);
        Assert.Equal(1, PcapStream.Cli.Program.Main(["extract", "--output", output, "-w", b, "--flow", "no-such-flow"]));
        Assert.Equal(2, PcapStream.Cli.Program.Main(["extract", "--output", output, "-w", b, "--flow", "x", "--community-id", "y"]));
    }

    [Fact]
    public void A_deleted_or_changed_capture_is_named_in_a_clear_error_and_no_output_is_left()
    {
        string source = SharedData.Require("pcaps/ethernet/simple_http.pcap");
        string input = Path.Combine(_dir, "in");
        Directory.CreateDirectory(input);
        File.Copy(source, Path.Combine(input, "capture.pcap"));
        string output = Path.Combine(_dir, "out");
        var (_, flows) = DatasetBuilder.Build(output, input, ["capture.pcap"]);
        FlowRow flow = flows.OrderByDescending(f => f.Packets.Count).First();
        string dest = Path.Combine(_dir, "x.pcap");
        var request = new ExtractRequest { OutputDirectory = output, Destination = dest, FlowId = flow.FlowId };

        // changed: the capture was rewritten with one packet fewer, so every later offset points elsewhere
        List<WalkedRecord> records = CaptureWalk.Read(source);
        byte[] bytes = File.ReadAllBytes(source);
        int cut = (int)records[0].Offset, skip = records[0].RecordLength;
        File.WriteAllBytes(Path.Combine(input, "capture.pcap"), [.. bytes.AsSpan(0, cut), .. bytes.AsSpan(cut + skip)]);
        CaptureChangedException changed = Assert.Throws<CaptureChangedException>(() => PacketExtractor.Run(request));
        Assert.Contains("'capture.pcap' changed since ingest", changed.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(dest));

        File.Delete(Path.Combine(input, "capture.pcap"));
        CaptureChangedException deleted = Assert.Throws<CaptureChangedException>(() => PacketExtractor.Run(request));
        Assert.Contains("'capture.pcap' no longer exists", deleted.Message, StringComparison.Ordinal);
        Assert.Equal(1, PcapStream.Cli.Program.Main(["extract", "--output", output, "-w", dest, "--flow", flow.FlowId]));
        Assert.False(File.Exists(dest));
    }
}
