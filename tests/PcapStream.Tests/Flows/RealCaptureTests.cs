using System.Diagnostics;
using System.Text.RegularExpressions;
using PcapStream.Decoding;
using PcapStream.Flows;
using PcapStream.Readers;
using PcapStream.Tests.Support;

namespace PcapStream.Tests.Flows;

/// <summary>Flows of real captures: stitching and Community ID baselines (tshark: <see cref="TsharkConversationTests"/>).</summary>
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

    /// <summary>
    /// <c>editcap -c</c> cuts a real capture into 2, 7 and 50 files; building each file separately and stitching
    /// gives exactly the flows (files column included) of one pass over the files. The capture is alexa-app.pcapng
    /// merged (<c>mergecap</c>, by time) with a generated TCP connection that sends one segment at the time of every
    /// 16th real packet, so one flow spans every piece (no real flow of the corpus does at 50 equal pieces).
    /// </summary>
    [Fact]
    public void A_real_capture_cut_by_editcap_stitches_to_the_flows_of_the_whole()
    {
        string real = SharedData.Require("pcaps/traffic/alexa-app.pcapng");
        string editcap = ToolOrSkip("editcap"), mergecap = ToolOrSkip("mergecap");
        string dir = Directory.CreateTempSubdirectory("pcapstream-editcap").FullName;
        try
        {
            var times = Decode(real).Select(x => x.T).ToList();
            var g = new GeneratedCapture();
            for (int i = 0; i < times.Count; i += 16)
            {
                bool fromClient = i % 32 == 0;
                string flags = i == 0 ? "S" : i == 16 ? "SA" : "PA";
                g.Tcp(times[i], fromClient ? "198.51.100.7" : "203.0.113.9", fromClient ? 50000 : 443,
                    fromClient ? "203.0.113.9" : "198.51.100.7", fromClient ? 443 : 50000, flags, payload: 100);
            }
            string keep = g.Write(Path.Combine(dir, "keepalive.pcap"), nanosecond: false);
            string merged = Path.Combine(dir, "merged.pcap");
            RunOk(mergecap, $"-F pcap -w \"{merged}\" \"{real}\" \"{keep}\"");
            int total = times.Count + g.Count;
            foreach (int pieces in new[] { 2, 7, 50 })
            {
                string sub = Directory.CreateDirectory(Path.Combine(dir, $"n{pieces}")).FullName;
                RunOk(editcap, $"-c {(total + pieces - 1) / pieces} \"{merged}\" \"{Path.Combine(sub, "piece.pcap")}\"");
                var files = Directory.GetFiles(sub).Order(StringComparer.Ordinal).ToList();
                Assert.Equal(pieces, files.Count);
                var whole = GeneratedCapture.Flows(files);
                Assert.Equal(total, whole.Sum(f => f.SrcPackets + f.DstPackets) + NonIp(files));
                Assert.Equal(Pkt.Lines(whole, withFiles: true), Pkt.Lines(GeneratedCapture.Stitched(files), withFiles: true));
                // The streaming job's entry (raw frames, the flow engine's fast path, no decoding for the common frames).
                var fromFrames = GeneratedCapture.Stitched(files, out long logged, out long replayed, frames: true);
                Assert.Equal(Pkt.Lines(whole, withFiles: true), Pkt.Lines(fromFrames, withFiles: true));
                // Only head runs of keys a previous file left open are replayed: the spanning connection's at least,
                // never the first file's (the stream held nothing yet). (At 50 pieces of this short capture most
                // flows do cross a boundary; the share is small only for files much longer than flows.)
                Assert.InRange(replayed, pieces - 1, logged - 1);
                FlowRecord spanning = Assert.Single(whole, f => f.SrcPort == 50000);
                Assert.Equal(pieces, spanning.Files.Count);
                Assert.Equal((long)g.Count, spanning.SrcPackets + spanning.DstPackets);
            }
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    private static int NonIp(List<string> files) => files.Sum(f => Decode(f).Count(x => FlowKey.FromPacket(x.P, out _) < 0));

    private static void RunOk(string exe, string args)
    {
        using var proc = Process.Start(new ProcessStartInfo(exe, args) { RedirectStandardOutput = true, RedirectStandardError = true })!;
        Task<string> err = proc.StandardError.ReadToEndAsync();
        proc.StandardOutput.ReadToEnd();
        proc.WaitForExit();
        Assert.True(proc.ExitCode == 0, $"{exe} {args}: {err.Result}");
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

}
