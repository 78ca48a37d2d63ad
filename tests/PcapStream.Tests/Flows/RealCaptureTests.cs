using System.Diagnostics;
using System.Text.RegularExpressions;
using PcapStream.Decoding;
using PcapStream.Flows;
using PcapStream.Readers;
using PcapStream.Tests.Support;

namespace PcapStream.Tests.Flows;

/// <summary>Flows of real captures against tshark's conversation tables, Community ID baselines, and stitching.</summary>
public partial class RealCaptureTests
{
    internal static List<(long T, DecodedPacket P)> Decode(string path)
    {
        var list = new List<(long, DecodedPacket)>();
        using CaptureReader reader = CaptureReader.Open(path);
        var p = new DecodedPacket();
        while (reader.TryRead(out CaptureRecord r))
        {
            PacketDecoder.Decode(r.Data, r.LinkType, r.OriginalLength, ref p);
            list.Add((r.TimestampNanos, p));
        }
        return list;
    }

    public static TheoryData<string> Captures() =>
    [
        "traffic/1kxun.pcap", "traffic/alexa-app.pcapng", "ethernet/simple_http.pcap", "vlan/mqtt.pcap", "ipv6/ipv6_ext_headers.pcap",
    ];

    [GeneratedRegex(@"^(\S+):(\d+)\s+<->\s+(\S+):(\d+)\s+\d+\s+[\d,]+ \w+\s+\d+\s+[\d,]+ \w+\s+(\d+)\s+([\d,]+) (\w+)")]
    private static partial Regex ConvLine();

    /// <summary>
    /// Every tshark TCP/UDP conversation (IPv4 and IPv6) has the same total frames and wire bytes as our flows of
    /// the same 5-tuple, summed over records (timeouts may split a conversation into several records; tshark
    /// never splits, so sums are compared). Named rules for the differences that remain:
    /// <list type="bullet">
    /// <item>TsharkRoundsBytes: tshark prints large byte counts in kB/MB; then only frames are compared.</item>
    /// <item>VlanIsPartOfOurKey: tshark ignores VLAN tags; we sum our flows over VLANs.</item>
    /// </list>
    /// </summary>
    [Theory]
    [MemberData(nameof(Captures))]
    public void Conversation_totals_agree_with_tshark(string capture)
    {
        string path = SharedData.Require("pcaps/" + capture);
        string tshark = ToolOrSkip("tshark");
        var flows = Pkt.SinglePass(Decode(path));
        var ours = new Dictionary<string, (long Frames, long Bytes)>();
        foreach (FlowRecord f in flows.Where(f => f.IpProto is 6 or 17))
        {
            string k = Conv(f.IpProto, f.SrcIP.ToString(), f.SrcPort ?? 0, f.DstIP.ToString(), f.DstPort ?? 0);
            ours.TryGetValue(k, out var v);
            ours[k] = (v.Frames + f.SrcPackets + f.DstPackets, v.Bytes + f.SrcBytes + f.DstBytes);
        }
        int compared = 0;
        string output = Run(tshark, $"-r \"{path}\" -q -z conv,tcp -z conv,udp");
        byte proto = 0;
        foreach (string line in output.Split('\n'))
        {
            if (line.StartsWith("TCP Conversations", StringComparison.Ordinal)) proto = 6;
            if (line.StartsWith("UDP Conversations", StringComparison.Ordinal)) proto = 17;
            Match m = ConvLine().Match(line);
            if (!m.Success)
            {
                continue;
            }
            string k = Conv(proto, m.Groups[1].Value, int.Parse(m.Groups[2].Value), m.Groups[3].Value, int.Parse(m.Groups[4].Value));
            Assert.True(ours.TryGetValue(k, out var v), $"{capture}: tshark conversation {k} has no flow");
            Assert.Equal(long.Parse(m.Groups[5].Value), v.Frames);
            if (m.Groups[7].Value == "bytes")
            {
                Assert.Equal(long.Parse(m.Groups[6].Value.Replace(",", "")), v.Bytes);
            }
            compared++;
        }
        Assert.True(compared > 0, $"{capture}: tshark listed no conversation");
    }

    private static string Conv(byte proto, string a, int pa, string b, int pb)
    {
        string x = $"{a}:{pa}", y = $"{b}:{pb}";
        return string.CompareOrdinal(x, y) < 0 ? $"{proto} {x} {y}" : $"{proto} {y} {x}";
    }

    [Theory]
    [InlineData("traffic/1kxun.pcap")]
    [InlineData("traffic/alexa-app.pcapng")]
    public void A_real_capture_cut_into_pieces_stitches_to_the_flows_of_the_whole(string capture)
    {
        var pk = Decode(SharedData.Require("pcaps/" + capture));
        // Cut at packets of the busiest conversation (so it spans every piece), each cut moved back by a
        // pseudo-random number of packets that stays after its previous packet: arbitrary record boundaries.
        FlowRecord busiest = Pkt.SinglePass(pk).MaxBy(f => f.SrcPackets + f.DstPackets)!;
        var ofBusiest = Enumerable.Range(0, pk.Count).Where(i => pk[i].P.IpVersion != 0 &&
            FlowKey.FromPacket(pk[i].P, out FlowKey k) >= 0 && FlowIds.CommunityId(k) == busiest.CommunityId).ToList();
        foreach (int pieces in new[] { 2, 7, 50 })
        {
            var rng = new Random(pieces);
            var cuts = new SortedSet<int>();
            for (int j = 1; j < pieces; j++)
            {
                int at = j * ofBusiest.Count / pieces;
                int lo = ofBusiest[at - 1] + 1;
                cuts.Add(rng.Next(lo, ofBusiest[at] + 1));
            }
            var whole = Pkt.SinglePass(pk, cuts: [.. cuts]);
            var stitched = Pkt.Stitched(pk, [.. cuts], checkpoint: pieces == 7);
            Assert.Equal(Pkt.Lines(whole, withFiles: true), Pkt.Lines(stitched, withFiles: true));
            Assert.Contains(whole, f => f.Files.Count == pieces && f.CommunityId == busiest.CommunityId);
        }
    }

    /// <summary>Flow-level Community IDs of the community-id-spec captures equal the baseline of every packet's tuple.</summary>
    [Fact]
    public void Community_ids_of_flows_match_the_spec_baseline()
    {
        string dir = SharedData.Require("community-id/pcaps");
        string baseline = File.ReadAllText(SharedData.Require("community-id/baseline/baseline_deflt.json"));
        var expected = new HashSet<string>(Regex.Matches(baseline, "\"communityid\": \"([^\"]+)\"").Select(m => m.Groups[1].Value));
        int checkedFlows = 0;
        foreach (string pcap in new[] { "tcp.pcap", "udp.pcap", "icmp.pcap", "icmp6.pcap", "sctp.pcap", "ipv6.pcap" })
        {
            foreach (FlowRecord f in Pkt.SinglePass(Decode(Path.Combine(dir, pcap))))
            {
                Assert.Contains(f.CommunityId, expected);
                checkedFlows++;
            }
        }
        Assert.True(checkedFlows > 10);
    }

    internal static string ToolOrSkip(string tool)
    {
        foreach (string d in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':'))
        {
            string p = Path.Combine(d, tool);
            if (File.Exists(p))
            {
                return p;
            }
        }
        Assert.Skip($"{tool} is not installed (Debian package tshark); this test compares against it.");
        return "";
    }

    private static string Run(string exe, string args)
    {
        using var proc = Process.Start(new ProcessStartInfo(exe, args) { RedirectStandardOutput = true, RedirectStandardError = true })!;
        string output = proc.StandardOutput.ReadToEnd();
        proc.WaitForExit();
        return output;
    }
}
