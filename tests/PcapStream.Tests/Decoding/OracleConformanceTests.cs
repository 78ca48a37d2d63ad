using System.Globalization;
using System.Text;
using PcapStream.Decoding;
using PcapStream.Readers;
using PcapStream.Tests.Support;

namespace PcapStream.Tests.Decoding;

/// <summary>
/// Every packet of every capture with a tshark oracle (../shared/pcaps/oracle, see its README) decoded and compared
/// field by field. Where our record and tshark's rows describe different things, a NAMED rule says what is
/// compared instead (never a skipped file):
/// <list type="bullet">
/// <item>plain: our fields against the .norm.tsv (outer header = the only header).</item>
/// <item>tunnel-innermost: we report the innermost packet. Our Outer* fields and tunnel kind are compared with the
/// norm's outer header; our inner fields with the raw .tsv where tshark's first occurrence is the inner header
/// (ipv6.* under an IPv4 outer, ip.* under an IPv6 outer, tcp.* when the outer carries no TCP, udp.* when the
/// outer carries no UDP). TTL, fragment and l4 fields of the inner header have no reference otherwise.</item>
/// <item>icmp-quoted-header: ICMP errors quote an inner header; we decode none of it, so no ports (the norm agrees).</item>
/// <item>avsp-unknown-version: mpls/arista_ether.pcap frames 2, 7, 10, 14, which tshark 4.0 cannot decode; compared
/// with the values the oracle README (caveat 10) states.</item>
/// <item>custom-block: pcapng Custom Blocks are tshark frames without a packet; rows matched by order among packets.</item>
/// </list>
/// </summary>
public sealed class OracleConformanceTests(ITestOutputHelper output)
{
    private static readonly string[] Fields =
    [
        "frame_len", "cap_len", "ip_version", "src", "dst", "l4_proto", "ttl_hlim", "sport", "dport",
        "tcp_flags", "tcp_seq_raw", "tcp_ack_raw", "vlan_id", "vlan_count", "frag", "tunnel_outer_proto", "tunnel_inner_proto",
    ];

    private sealed class Tally
    {
        public readonly Dictionary<string, (int Matched, int Compared)> Fields = new(StringComparer.Ordinal);
        public readonly Dictionary<string, int> Rules = new(StringComparer.Ordinal);
        public readonly List<string> Mismatches = [];
        public int Packets;
        public int Files;

        public void Compare(string file, string frame, string rule, string field, string expected, string actual)
        {
            Fields.TryGetValue(field, out var t);
            bool ok = string.Equals(expected, actual, StringComparison.Ordinal);
            Fields[field] = (t.Matched + (ok ? 1 : 0), t.Compared + 1);
            if (!ok && Mismatches.Count < 200)
            {
                Mismatches.Add($"{file} frame {frame} [{rule}] {field}: tshark '{expected}', ours '{actual}'");
            }
        }
    }

    [Fact]
    public void Every_oracle_packet_agrees_with_tshark_field_by_field()
    {
        string oracleRoot = SharedData.Require("pcaps/oracle");
        string corpus = Path.GetDirectoryName(oracleRoot)!;
        var tally = new Tally();
        foreach (string norm in Directory.EnumerateFiles(oracleRoot, "*.norm.tsv", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            string relative = Path.GetRelativePath(oracleRoot, norm)[..^".norm.tsv".Length];
            CompareFile(corpus, relative, norm, tally);
        }

        string table = FormatTable(tally);
        output.WriteLine(table);
        string report = Path.Combine(AppContext.BaseDirectory, "decoder-conformance.md");
        File.WriteAllText(report, table + Environment.NewLine + string.Join(Environment.NewLine, tally.Mismatches) + Environment.NewLine);
        output.WriteLine($"(written to {report})");
        foreach (string m in tally.Mismatches)
        {
            output.WriteLine(m);
        }
        Assert.True(tally.Files >= 60, $"only {tally.Files} oracle files found");
        Assert.Empty(tally.Mismatches);
    }

    private static void CompareFile(string corpus, string relative, string normPath, Tally tally)
    {
        var norm = new OracleTable(normPath);
        var raw = new OracleTable(normPath[..^".norm.tsv".Length] + ".tsv");
        var rawByFrame = new Dictionary<string, string[]>(StringComparer.Ordinal);
        foreach (string[] r in raw.Rows)
        {
            rawByFrame[raw.Get(r, "frame.number")] = r;
        }
        var packets = new List<string[]>();
        foreach (string[] row in norm.Rows)
        {
            if (norm.Get(row, "record") == "packet")
            {
                packets.Add(row);
            }
            else
            {
                tally.Rules["custom-block"] = tally.Rules.GetValueOrDefault("custom-block") + 1;
            }
        }

        using CaptureReader reader = CaptureReader.Open(Path.Combine(corpus, relative));
        DecodedPacket p = default;
        int index = 0;
        while (reader.TryRead(out CaptureRecord record))
        {
            Assert.True(index < packets.Count, $"{relative}: more packets than the oracle has rows");
            PacketDecoder.Decode(record.Data, record.LinkType, record.OriginalLength, ref p);
            string[] row = packets[index++];
            string frame = norm.Get(row, "frame_number");
            ComparePacket(relative, frame, norm, row, raw, rawByFrame.GetValueOrDefault(frame), in p, tally);
        }
        Assert.Equal(packets.Count, index);
        tally.Packets += index;
        tally.Files++;
    }

    private static void ComparePacket(string file, string frame, OracleTable norm, string[] row, OracleTable raw, string[]? rawRow,
        in DecodedPacket p, Tally tally)
    {
        string N(string column) => norm.Get(row, column);
        string R(string column) => rawRow is null ? "" : raw.Get(rawRow, column);
        void Cmp(string rule, string field, string expected, string actual) => tally.Compare(file, frame, rule, field, expected, actual);

        Cmp("plain", "frame_len", N("frame_len"), Num(p.WireLength));
        Cmp("plain", "cap_len", N("cap_len"), Num(p.CapturedLength));

        if (file == "mpls/arista_ether.pcap" && frame is "2" or "7" or "10" or "14")
        {
            const string rule = "avsp-unknown-version";
            tally.Rules[rule] = tally.Rules.GetValueOrDefault(rule) + 1;
            Cmp(rule, "ip_version", "4", Num(p.IpVersion));
            Cmp(rule, "src", "10.136.1.32", Addr(p, p.Src));
            Cmp(rule, "dst", "10.2.23.24", Addr(p, p.Dst));
            Cmp(rule, "l4_proto", "63", Num(p.IpProto));
            Cmp(rule, "ttl_hlim", "64", Num(p.Ttl));
            Cmp(rule, "vlan_id", frame == "7" ? "" : "100", Vlan(p));
            return;
        }

        string protocols = R("frame.protocols");
        if (protocols.Contains("icmp:ip", StringComparison.Ordinal) || protocols.Contains("icmpv6:ipv6", StringComparison.Ordinal))
        {
            tally.Rules["icmp-quoted-header"] = tally.Rules.GetValueOrDefault("icmp-quoted-header") + 1;
        }
        Cmp("plain", "vlan_id", N("vlan_id"), Vlan(p));
        Cmp("plain", "vlan_count", N("vlan_count"), Num(p.VlanCount));

        if (p.Tunnel == TunnelKind.None)
        {
            Cmp("plain", "ip_version", N("ip_version"), p.IpVersion == 0 ? "" : Num(p.IpVersion));
            Cmp("plain", "src", N("src"), Addr(p, p.Src));
            Cmp("plain", "dst", N("dst"), Addr(p, p.Dst));
            Cmp("plain", "l4_proto", N("l4_proto"), p.IpOffset < 0 ? "" : Num(p.IpProto));
            Cmp("plain", "ttl_hlim", N("ttl_hlim"), p.IpOffset < 0 ? "" : Num(p.Ttl));
            Cmp("plain", "sport", N("sport"), p.HasPorts ? Num(p.SrcPort) : "");
            Cmp("plain", "dport", N("dport"), p.HasPorts ? Num(p.DstPort) : "");
            CompareTcp("plain", N("tcp_flags"), N("tcp_seq_raw"), N("tcp_ack_raw"), in p, Cmp);
            Cmp("plain", "frag", N("frag"), Frag(p));
            return;
        }

        const string tunnelRule = "tunnel-innermost";
        tally.Rules[tunnelRule] = tally.Rules.GetValueOrDefault(tunnelRule) + 1;
        Cmp(tunnelRule, "ip_version", N("ip_version"), Num(p.OuterIpVersion));
        Cmp(tunnelRule, "src", N("src"), p.OuterSrc.ToString());
        Cmp(tunnelRule, "dst", N("dst"), p.OuterDst.ToString());
        Cmp(tunnelRule, "tunnel_outer_proto", N("l4_proto"), OuterCarried(p, N("sport"), N("dport")));
        string innerProto = InnerProtocol(protocols);
        if (innerProto.Length > 0)
        {
            Cmp(tunnelRule, "tunnel_inner_proto", innerProto, Num(p.IpProto));
        }
        // Inner header, where tshark's first occurrence of a field is the inner one.
        if (p.OuterIpVersion == 4 && p.IpVersion == 6)
        {
            Cmp(tunnelRule, "src", R("ipv6.src"), p.Src.ToString());
            Cmp(tunnelRule, "dst", R("ipv6.dst"), p.Dst.ToString());
            Cmp(tunnelRule, "ttl_hlim", R("ipv6.hlim"), Num(p.Ttl));
        }
        else if (p.OuterIpVersion == 6 && p.IpVersion == 4)
        {
            Cmp(tunnelRule, "src", R("ip.src"), p.Src.ToString());
            Cmp(tunnelRule, "dst", R("ip.dst"), p.Dst.ToString());
            Cmp(tunnelRule, "ttl_hlim", R("ip.ttl"), Num(p.Ttl));
        }
        if (p.HasTcp && N("l4") != "tcp")
        {
            Cmp(tunnelRule, "sport", R("tcp.srcport"), Num(p.SrcPort));
            Cmp(tunnelRule, "dport", R("tcp.dstport"), Num(p.DstPort));
            CompareTcp(tunnelRule, R("tcp.flags"), R("tcp.seq_raw"), R("tcp.ack_raw"), in p, Cmp);
        }
        else if (p.HasUdp && N("l4") != "udp")
        {
            Cmp(tunnelRule, "sport", R("udp.srcport"), Num(p.SrcPort));
            Cmp(tunnelRule, "dport", R("udp.dstport"), Num(p.DstPort));
        }
    }

    private static void CompareTcp(string rule, string flags, string seq, string ack, in DecodedPacket p, Action<string, string, string, string> cmp)
    {
        cmp(rule, "tcp_flags", flags, p.HasTcp ? "0x" + p.TcpFlags.ToString("x4", CultureInfo.InvariantCulture) : "");
        cmp(rule, "tcp_seq_raw", seq, p.HasTcp ? Num(p.TcpSeq) : "");
        cmp(rule, "tcp_ack_raw", ack, p.HasTcp ? Num(p.TcpAck) : "");
    }

    /// <summary>The protocol the outer IP header must carry for the tunnel we found (norm l4_proto), with UDP tunnel ports.</summary>
    private static string OuterCarried(in DecodedPacket p, string sport, string dport)
    {
        string Udp(int port) => sport == Num(port) || dport == Num(port) ? "17" : $"17 with port {port} (ports {sport}/{dport})";
        return p.Tunnel switch
        {
            TunnelKind.Gre or TunnelKind.Erspan => "47",
            TunnelKind.IpIp => p.IpVersion == 4 ? "4" : "41",
            TunnelKind.Vxlan => Udp(4789),
            TunnelKind.Geneve => Udp(6081),
            TunnelKind.Gtp => Udp(2152),
            TunnelKind.Teredo => Udp(3544),
            _ => "?",
        };
    }

    /// <summary>
    /// The protocol tshark found after the LAST IP layer of frame.protocols (e.g. eth:ethertype:ip:udp:vxlan:eth:
    /// ethertype:ip:icmp:data gives 1), skipping IPv6 extension headers and AH; empty when it has no number here.
    /// </summary>
    private static string InnerProtocol(string protocols)
    {
        string[] layers = protocols.Split(':');
        int last = Array.FindLastIndex(layers, l => l is "ip" or "ipv6");
        for (int i = last + 1; last >= 0 && i < layers.Length; i++)
        {
            if (layers[i].StartsWith("ipv6.", StringComparison.Ordinal) || layers[i] == "ah")
            {
                continue;
            }
            return layers[i] switch
            {
                "tcp" => "6", "udp" => "17", "icmp" => "1", "icmpv6" => "58", "sctp" => "132",
                "gre" => "47", "pim" => "103", "igmp" => "2", _ => "",
            };
        }
        return "";
    }

    private static string Num(long value) => value.ToString(CultureInfo.InvariantCulture);

    private static string Addr(in DecodedPacket p, IpAddress16 address) => p.IpOffset < 0 ? "" : address.ToString();

    private static string Vlan(in DecodedPacket p) => p.Vlan < 0 ? "" : Num(p.Vlan);

    private static string Frag(in DecodedPacket p) =>
        p.IsFragment ? $"off={Num(p.FragmentOffset)},mf={(p.MoreFragments ? 1 : 0)}" : "";

    private static string FormatTable(Tally tally)
    {
        var sb = new StringBuilder();
        sb.AppendLine(CultureInfo.InvariantCulture, $"Decoder vs tshark 4.0 oracle: {tally.Files} captures, {tally.Packets} packets");
        sb.AppendLine();
        sb.AppendLine("| field | matched / compared |");
        sb.AppendLine("|---|---|");
        foreach (string field in Fields)
        {
            var (matched, compared) = tally.Fields.GetValueOrDefault(field);
            sb.AppendLine(CultureInfo.InvariantCulture, $"| {field} | {matched} / {compared} |");
        }
        sb.AppendLine();
        sb.AppendLine("| rule | packets |");
        sb.AppendLine("|---|---|");
        foreach (var (rule, count) in tally.Rules.OrderBy(r => r.Key, StringComparer.Ordinal))
        {
            sb.AppendLine(CultureInfo.InvariantCulture, $"| {rule} | {count} |");
        }
        return sb.ToString();
    }
}
