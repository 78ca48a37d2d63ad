using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;
using PcapStream.Decoding;
using PcapStream.Flows;
using PcapStream.Tests.Support;

namespace PcapStream.Tests.Flows;

/// <summary>
/// For EVERY capture of the shared corpus outside broken/ (traffic/ included), our flows agree with tshark's
/// conversation tables (<c>tshark -q -z conv,tcp -z conv,udp</c>; both cover IPv4 and IPv6) per conversation,
/// in frames and wire bytes, in both directions of the comparison: every tshark conversation has our flows with
/// the same totals, and every TCP/UDP flow of ours has a tshark conversation. tshark runs packet per packet
/// (<c>-o ip.defragment:FALSE -o ipv6.defragment:FALSE</c>, as in the oracle README). Each difference must be
/// explained by a NAMED rule whose claim is checked with numbers computed independently of the flow engine:
/// <list type="bullet">
/// <item><b>kB-rounding</b>: tshark prints 10000+ bytes as floor(bytes/1000) kB (10 MB+ as floor/1e6 MB);
/// frames must agree exactly and our bytes must floor to the printed value.</item>
/// <item><b>timeout-split</b>: our idle/active/close rules cut the conversation into several records (tshark never
/// cuts); the records' sums must agree exactly.</item>
/// <item><b>vlan-in-key</b>: the VLAN id is part of our key and tshark ignores it; the per-VLAN records' sums must
/// agree exactly.</item>
/// <item><b>later-fragments</b>: without reassembly tshark puts non-first IP fragments (no transport header) into
/// no conversation, while we tie them to their first fragment's flow; our totals must equal tshark's plus the
/// later fragments whose first fragment (same src, dst, protocol, IP id) carries this conversation's ports,
/// counted straight from the decoded packets.</item>
/// <item><b>tunnel-outer-udp</b>: tshark also lists the OUTER UDP header of VXLAN (4789), Geneve (6081), GTP-U
/// (2152) and Teredo (3544) as a conversation; we key on the innermost packet only. Per tunnel kind and outer
/// address pair, tshark's frames and bytes over these conversations must equal the decoded packets of that
/// kind between those outer addresses that carry an inner IP packet (a tunnel of ARP is keyed on its outer
/// UDP header, as tshark does).</item>
/// <item><b>portless-fragments</b>: our port-less flow of later fragments whose first fragment was never seen;
/// tshark lists no conversation for them. All its packets must be non-first fragments.</item>
/// </list>
/// </summary>
public sealed partial class TsharkConversationTests(ITestOutputHelper output)
{
    private const string KbRounding = "kB-rounding", TimeoutSplit = "timeout-split", VlanInKey = "vlan-in-key",
        LaterFragments = "later-fragments", TunnelOuterUdp = "tunnel-outer-udp", PortlessFragments = "portless-fragments";

    private static readonly string[] Rules = [KbRounding, TimeoutSplit, VlanInKey, LaterFragments, TunnelOuterUdp, PortlessFragments];

    private sealed record Row(string File, int Compared, int Exact, Dictionary<string, int> ByRule, List<string> Unexplained);

    private sealed record Theirs(long Frames, long Bytes, long Unit);

    private sealed class Ours
    {
        public long Frames, Bytes;
        public int Records;
        public readonly HashSet<int> Vlans = [];
    }

    [Fact]
    public void Every_non_broken_capture_agrees_with_tshark_conversations_or_a_named_rule()
    {
        string root = SharedData.Require("pcaps");
        RealCaptureTests.ToolOrSkip("tshark");
        var files = Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(root, f))
            .Where(f => !f.StartsWith("broken/", StringComparison.Ordinal) && !f.StartsWith("oracle/", StringComparison.Ordinal) &&
                        !f.EndsWith(".md", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal).ToList();
        Assert.Contains("traffic/1kxun.pcap", files);
        Assert.Contains("traffic/alexa-app.pcapng", files);

        var rows = new Row[files.Count];
        Parallel.For(0, files.Count, new ParallelOptions { MaxDegreeOfParallelism = 2 }, i => rows[i] = Compare(root, files[i]));

        var table = new StringBuilder();
        table.AppendLine($"{"file",-48} {"convs",5} {"exact",5} " + string.Join(" ", Rules.Select(r => $"{r,18}")) + " unexplained");
        foreach (Row r in rows)
        {
            table.AppendLine($"{r.File,-48} {r.Compared,5} {r.Exact,5} " +
                string.Join(" ", Rules.Select(x => $"{r.ByRule.GetValueOrDefault(x),18}")) + $" {r.Unexplained.Count,11}");
        }
        table.AppendLine($"{"TOTAL",-48} {rows.Sum(r => r.Compared),5} {rows.Sum(r => r.Exact),5} " +
            string.Join(" ", Rules.Select(x => $"{rows.Sum(r => r.ByRule.GetValueOrDefault(x)),18}")) + $" {rows.Sum(r => r.Unexplained.Count),11}");
        output.WriteLine(table.ToString());
        foreach (string u in rows.SelectMany(r => r.Unexplained))
        {
            output.WriteLine(u);
        }

        Assert.True(rows.All(r => r.Unexplained.Count == 0),
            "Unexplained differences from tshark:\n" + string.Join("\n", rows.SelectMany(r => r.Unexplained)) + "\n" + table);
        // The comparison is not vacuous: the traffic captures hold hundreds of conversations, and the rules that
        // explain differences were each needed somewhere (a rule nobody needs would be dead weight in this test).
        Assert.True(rows.Sum(r => r.Compared) > 400, table.ToString());
        Assert.True(rows.Sum(r => r.Exact + r.ByRule.GetValueOrDefault(KbRounding)) > rows.Sum(r => r.Compared) * 9 / 10, table.ToString());
        foreach (string rule in new[] { KbRounding, LaterFragments, TunnelOuterUdp })
        {
            Assert.True(rows.Sum(r => r.ByRule.GetValueOrDefault(rule)) > 0, $"rule {rule} never applied:\n{table}");
        }
    }

    private static Row Compare(string root, string rel)
    {
        string path = Path.Combine(root, rel);
        var packets = RealCaptureTests.Decode(path);
        var ours = new Dictionary<string, Ours>();
        foreach (FlowRecord f in Pkt.SinglePass(packets))
        {
            if (f.IpProto is not (6 or 17))
            {
                continue;
            }
            string k = Conv(f.IpProto, f.SrcIP.ToString(), f.SrcPort ?? -1, f.DstIP.ToString(), f.DstPort ?? -1);
            if (!ours.TryGetValue(k, out Ours? o))
            {
                ours[k] = o = new Ours();
            }
            o.Frames += f.SrcPackets + f.DstPackets;
            o.Bytes += f.SrcBytes + f.DstBytes;
            o.Records++;
            o.Vlans.Add(f.Vlan ?? -1);
        }
        var theirs = Tshark(path);
        var laterFragments = LaterFragmentsByConversation(packets);
        var tunnelPackets = TunnelPacketsByOuterPair(packets);

        var row = new Row(rel, theirs.Count, 0, [], []);
        int exact = 0;
        var tunnelConvs = new Dictionary<string, (long F, long B, int N)>();
        void Hit(string rule) => row.ByRule[rule] = row.ByRule.GetValueOrDefault(rule) + 1;

        foreach (var (k, t) in theirs)
        {
            ours.TryGetValue(k, out Ours? o);
            long frames = o?.Frames ?? 0, bytes = o?.Bytes ?? 0;
            if (o is null && TunnelKindOf(k) is { } kind)
            {
                // Checked in aggregate below, per tunnel kind and outer address pair.
                string pair = kind + " " + AddressPair(k);
                tunnelConvs.TryGetValue(pair, out var s);
                tunnelConvs[pair] = (s.F + t.Frames, s.B + t.Bytes, s.N + 1);
                continue;
            }
            bool bytesAgree(long ourBytes) => t.Unit == 1 ? ourBytes == t.Bytes : ourBytes / t.Unit == t.Bytes;
            if (frames == t.Frames && bytesAgree(bytes))
            {
                if (o!.Records == 1 && t.Unit == 1)
                {
                    exact++;
                }
                else if (o.Vlans.Count > 1)
                {
                    Hit(VlanInKey);
                }
                else if (o.Records > 1)
                {
                    Hit(TimeoutSplit);
                }
                else
                {
                    Hit(KbRounding);
                }
                continue;
            }
            if (laterFragments.TryGetValue(k, out var lf) && frames == t.Frames + lf.F && bytesAgree(bytes - lf.B) && lf.F > 0)
            {
                Hit(LaterFragments);
                continue;
            }
            row.Unexplained.Add($"{rel}: tshark {k}: {t.Frames} frames {t.Bytes}x{t.Unit} bytes; ours {frames} frames {bytes} bytes in {o?.Records ?? 0} records");
        }
        foreach (var (pair, s) in tunnelConvs)
        {
            tunnelPackets.TryGetValue(pair, out var p);
            if (p.F == s.F && p.B == s.B)
            {
                row.ByRule[TunnelOuterUdp] = row.ByRule.GetValueOrDefault(TunnelOuterUdp) + s.N;
            }
            else
            {
                row.Unexplained.Add($"{rel}: {s.N} tshark conversations of the outer {pair}: {s.F} frames {s.B} bytes; decoded tunnel packets {p.F} frames {p.B} bytes");
            }
        }
        foreach (var (k, o) in ours)
        {
            if (theirs.ContainsKey(k))
            {
                continue;
            }
            if (k.Contains(":-1", StringComparison.Ordinal) && packets.Count(x => x.P.IsFragment && x.P.FragmentOffset > 0 &&
                    Conv(x.P.IpProto, x.P.Src.ToString(), -1, x.P.Dst.ToString(), -1) == k) == o.Frames)
            {
                Hit(PortlessFragments);
                continue;
            }
            row.Unexplained.Add($"{rel}: our flow {k} ({o.Frames} frames) has no tshark conversation");
        }
        return row with { Exact = exact };
    }

    /// <summary>Later fragments per conversation of their first fragment, from the decoded packets alone.</summary>
    private static Dictionary<string, (long F, long B)> LaterFragmentsByConversation(List<(long T, DecodedPacket P)> packets)
    {
        var firsts = new Dictionary<(IpAddress16, IpAddress16, byte, uint), string>();
        var result = new Dictionary<string, (long F, long B)>();
        foreach (var (_, p) in packets)
        {
            if (!p.IsFragment || p.IpVersion == 0)
            {
                continue;
            }
            var id = (p.Src, p.Dst, p.IpProto, p.IpId);
            if (p.FragmentOffset == 0 && p.HasPorts)
            {
                firsts[id] = Conv(p.IpProto, p.Src.ToString(), p.SrcPort, p.Dst.ToString(), p.DstPort);
            }
            else if (p.FragmentOffset > 0 && firsts.TryGetValue(id, out string? k))
            {
                result.TryGetValue(k, out var v);
                result[k] = (v.F + 1, v.B + p.WireLength);
            }
        }
        return result;
    }

    private static Dictionary<string, (long F, long B)> TunnelPacketsByOuterPair(List<(long T, DecodedPacket P)> packets)
    {
        var result = new Dictionary<string, (long F, long B)>();
        foreach (var (_, p) in packets)
        {
            // Only packets keyed on an inner IP header: a tunnel carrying no IP (VXLAN with inner ARP) is keyed
            // on its outer UDP header, like tshark's conversation.
            if (p.Tunnel is TunnelKind.Vxlan or TunnelKind.Geneve or TunnelKind.Gtp or TunnelKind.Teredo &&
                (p.Src != p.OuterSrc || p.Dst != p.OuterDst || p.IpVersion != p.OuterIpVersion))
            {
                string a = p.OuterSrc.ToString(), b = p.OuterDst.ToString();
                string pair = p.Tunnel + " " + (string.CompareOrdinal(a, b) < 0 ? a + " " + b : b + " " + a);
                result.TryGetValue(pair, out var v);
                result[pair] = (v.F + 1, v.B + p.WireLength);
            }
        }
        return result;
    }

    private static TunnelKind? TunnelKindOf(string conv)
    {
        if (!conv.StartsWith("17 ", StringComparison.Ordinal))
        {
            return null;
        }
        foreach (string end in conv[3..].Split(' '))
        {
            switch (end[(end.LastIndexOf(':') + 1)..])
            {
                case "4789": return TunnelKind.Vxlan;
                case "6081": return TunnelKind.Geneve;
                case "2152": return TunnelKind.Gtp;
                case "3544": return TunnelKind.Teredo;
            }
        }
        return null;
    }

    private static string AddressPair(string conv)
    {
        string[] ends = conv.Split(' ');
        string a = ends[1][..ends[1].LastIndexOf(':')], b = ends[2][..ends[2].LastIndexOf(':')];
        return string.CompareOrdinal(a, b) < 0 ? a + " " + b : b + " " + a;
    }

    [GeneratedRegex(@"^(\S+):(\d+)\s+<->\s+(\S+):(\d+)\s+\d+\s+[\d,]+ \w+\s+\d+\s+[\d,]+ \w+\s+(\d+)\s+([\d,]+) (bytes|kB|MB|GB)")]
    private static partial Regex ConvLine();

    private static Dictionary<string, Theirs> Tshark(string path)
    {
        var result = new Dictionary<string, Theirs>();
        byte proto = 0;
        string text = Run("tshark", $"-n -o ip.defragment:FALSE -o ipv6.defragment:FALSE -r \"{path}\" -q -z conv,tcp -z conv,udp");
        foreach (string line in text.Split('\n'))
        {
            if (line.StartsWith("TCP Conversations", StringComparison.Ordinal)) proto = 6;
            if (line.StartsWith("UDP Conversations", StringComparison.Ordinal)) proto = 17;
            Match m = ConvLine().Match(line);
            if (!m.Success)
            {
                Assert.DoesNotContain("<->", line); // a conversation line we failed to parse would go unchecked
                continue;
            }
            long unit = m.Groups[7].Value switch { "kB" => 1000, "MB" => 1_000_000, "GB" => 1_000_000_000, _ => 1 };
            result[Conv(proto, m.Groups[1].Value, int.Parse(m.Groups[2].Value), m.Groups[3].Value, int.Parse(m.Groups[4].Value))] =
                new Theirs(long.Parse(m.Groups[5].Value), long.Parse(m.Groups[6].Value.Replace(",", "")), unit);
        }
        return result;
    }

    private static string Conv(byte proto, string a, int pa, string b, int pb)
    {
        string x = $"{a}:{pa}", y = $"{b}:{pb}";
        return string.CompareOrdinal(x, y) < 0 ? $"{proto} {x} {y}" : $"{proto} {y} {x}";
    }

    private static string Run(string exe, string args)
    {
        // An empty profile and the C locale: no personal Wireshark preference or digit grouping changes the output.
        string profile = Directory.CreateTempSubdirectory("pcapstream-wsprofile").FullName;
        try
        {
            var psi = new ProcessStartInfo(exe, args) { RedirectStandardOutput = true, RedirectStandardError = true };
            psi.Environment["LC_ALL"] = "C";
            psi.Environment["WIRESHARK_CONFIG_DIR"] = profile;
            using var proc = Process.Start(psi)!;
            Task<string> err = proc.StandardError.ReadToEndAsync();
            string o = proc.StandardOutput.ReadToEnd();
            proc.WaitForExit();
            Assert.True(proc.ExitCode == 0, $"tshark {args} failed: {err.Result}");
            return o;
        }
        finally
        {
            Directory.Delete(profile, true);
        }
    }
}
