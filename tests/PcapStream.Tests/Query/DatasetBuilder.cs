using System.Diagnostics;
using System.Globalization;
using DuckDB.NET.Data;

namespace PcapStream.Tests.Query;

/// <summary>A packets row as the fixture computes it (from <see cref="CaptureWalk"/> and tshark's dissection).</summary>
internal sealed record PacketRow(string File, long FileOffset, long FrameNumber, long TimestampNanos, int Length,
    int CapturedLength, int LinkType, int? Vlan, int? IpVersion, string? SrcIP, string? DstIP, string Protocol, int? IpProto,
    int? SrcPort, int? DstPort, string? CommunityId, int TcpFlags);

/// <summary>A flows row of the fixture: packets grouped by VLAN and canonical 5-tuple.</summary>
internal sealed record FlowRow(string FlowId, string CommunityId, long FirstSeenNanos, long LastSeenNanos, int? Vlan, int IpVersion,
    string Protocol, int IpProto, string SrcIP, int? SrcPort, string DstIP, int? DstPort, long SrcPackets, long DstPackets,
    long SrcBytes, long DstBytes, string ConnState, List<PacketRow> Packets);

/// <summary>
/// Builds an output directory laid out as DESIGN.md says (Hive partitions date=/hour=, part-&lt;batch&gt;-&lt;n&gt;.parquet,
/// _pcapstream/commits/&lt;batch&gt;) from rows the test computes itself, written with DuckDB's partitioned COPY.
/// Stand-in until the streaming job's `ingest` lands on main; the tests then switch to its output.
/// </summary>
internal static class DatasetBuilder
{
    public static (List<PacketRow> Packets, List<FlowRow> Flows) Build(string output, string inputRoot, IReadOnlyList<string> files, string batch = "0", bool commit = true)
    {
        var packets = new List<PacketRow>();
        foreach (string file in files)
        {
            packets.AddRange(Rows(inputRoot, file));
        }
        List<FlowRow> flows = GroupFlows(packets, batch);
        Write(output, packets, flows, batch, commit, inputRoot);
        return (packets, flows);
    }

    public static List<PacketRow> Rows(string inputRoot, string file)
    {
        string path = Path.Combine(inputRoot, file);
        List<WalkedRecord> records = CaptureWalk.Read(path);
        string[] lines = Tshark(path, "-e", "frame.number", "-e", "ip.src", "-e", "ip.dst", "-e", "ipv6.src", "-e", "ipv6.dst",
            "-e", "ip.proto", "-e", "ipv6.nxt", "-e", "tcp.srcport", "-e", "tcp.dstport", "-e", "udp.srcport", "-e", "udp.dstport",
            "-e", "vlan.id", "-e", "tcp.flags");
        Assert.Equal(records.Count, lines.Length);
        var rows = new List<PacketRow>(records.Count);
        for (int i = 0; i < records.Count; i++)
        {
            string[] f = lines[i].Split('\t');
            WalkedRecord r = records[i];
            string? src = Empty(f[1]) ?? Empty(f[3]);
            string? dst = Empty(f[2]) ?? Empty(f[4]);
            int? version = f[1].Length > 0 ? 4 : f[3].Length > 0 ? 6 : null;
            int? proto = Int(f[5]) ?? Int(f[6]);
            int? sport = Int(f[7]) ?? Int(f[9]);
            int? dport = Int(f[8]) ?? Int(f[10]);
            string protocol = proto switch { 6 => "TCP", 17 => "UDP", 1 => "ICMP", 58 => "ICMPv6", null => "", _ => proto.Value.ToString(CultureInfo.InvariantCulture) };
            string? community = src is null ? null : Canonical(proto ?? 0, src, sport, dst!, dport);
            int flags = f[12].Length > 0 ? Convert.ToInt32(f[12], 16) : 0;
            rows.Add(new PacketRow(file, r.Offset, i + 1, r.TimestampNanos, r.Length, r.CapturedLength, r.LinkType, Int(f[11]),
                version, src, dst, protocol, proto, sport, dport, community, flags));
        }
        return rows;
    }

    /// <summary>tshark's field output, one line per frame (IP reassembly off, so each frame is reported as itself).</summary>
    public static string[] Tshark(string path, params string[] fields) =>
        Run("tshark", ["-n", "-r", path, "-o", "ip.defragment:FALSE", "-o", "ipv6.defragment:FALSE", "-T", "fields",
            "-E", "separator=/t", "-E", "occurrence=f", .. fields]).Split('\n', StringSplitOptions.RemoveEmptyEntries);

    public static string Run(string program, IEnumerable<string> args)
    {
        var info = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string a in args)
        {
            info.ArgumentList.Add(a);
        }
        string config = Directory.CreateTempSubdirectory("ws-config").FullName;
        info.Environment["WIRESHARK_CONFIG_DIR"] = config;
        info.Environment["LC_ALL"] = "C";
        info.Environment["TZ"] = "UTC";
        Process p;
        try
        {
            p = Process.Start(info)!;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            Assert.Skip($"'{program}' is not installed (Debian package tshark / wireshark-common).");
            throw;
        }
        using (p)
        {
            Task<string> err = p.StandardError.ReadToEndAsync();
            string output = p.StandardOutput.ReadToEnd();
            p.WaitForExit();
            Assert.True(p.ExitCode == 0, $"{program} failed: {err.Result}");
            Directory.Delete(config, true);
            return output;
        }
    }

    private static string Canonical(int proto, string a, int? ap, string b, int? bp)
    {
        string x = $"{a}/{ap}", y = $"{b}/{bp}";
        return string.CompareOrdinal(x, y) <= 0 ? $"t:{proto}:{x}-{y}" : $"t:{proto}:{y}-{x}";
    }

    private static List<FlowRow> GroupFlows(List<PacketRow> packets, string batch)
    {
        var groups = new Dictionary<(int?, string), List<PacketRow>>();
        var order = new List<(int?, string)>();
        foreach (PacketRow p in packets.OrderBy(p => p.TimestampNanos).ThenBy(p => p.File, StringComparer.Ordinal).ThenBy(p => p.FileOffset))
        {
            if (p.CommunityId is null)
            {
                continue;
            }
            var key = (p.Vlan, p.CommunityId);
            if (!groups.TryGetValue(key, out List<PacketRow>? list))
            {
                groups[key] = list = [];
                order.Add(key);
            }
            list.Add(p);
        }
        var flows = new List<FlowRow>();
        foreach (var key in order)
        {
            List<PacketRow> list = groups[key];
            PacketRow first = list[0];
            bool Forward(PacketRow p) => p.SrcIP == first.SrcIP && p.SrcPort == first.SrcPort;
            long srcPackets = list.Count(Forward), srcBytes = list.Where(Forward).Sum(p => (long)p.Length);
            bool syn = (first.TcpFlags & 0x12) == 0x02;
            bool rst = list.Any(p => !Forward(p) && (p.TcpFlags & 0x04) != 0);
            string state = first.Protocol != "TCP" ? "OTH" : syn && rst && list.Count(p => !Forward(p)) == 1 ? "REJ" : syn ? "SF" : "OTH";
            flows.Add(new FlowRow($"{batch}-{flows.Count + 1}", first.CommunityId!, first.TimestampNanos, list.Max(p => p.TimestampNanos),
                first.Vlan, first.IpVersion ?? 0, first.Protocol, first.IpProto ?? 0, first.SrcIP!, first.SrcPort, first.DstIP!, first.DstPort,
                srcPackets, list.Count - srcPackets, srcBytes, list.Sum(p => (long)p.Length) - srcBytes, state, list));
        }
        return flows;
    }

    private static void Write(string output, List<PacketRow> packets, List<FlowRow> flows, string batch, bool commit, string inputRoot)
    {
        Directory.CreateDirectory(output);
        using var db = new DuckDBConnection("Data Source=:memory:");
        db.Open();
        Exec(db, """
            CREATE TABLE p (timestampNanos BIGINT, sensor VARCHAR, file VARCHAR, fileOffset BIGINT, frameNumber BIGINT, length INTEGER,
              capturedLength INTEGER, linkType INTEGER, vlan INTEGER, ipVersion TINYINT, srcIP VARCHAR, dstIP VARCHAR, protocol VARCHAR,
              ipProto TINYINT, srcPort INTEGER, dstPort INTEGER, communityId VARCHAR, tcpFlags SMALLINT);
            CREATE TABLE f (flowId VARCHAR, communityId VARCHAR, sensor VARCHAR, firstSeenNanos BIGINT, lastSeenNanos BIGINT, vlan INTEGER,
              ipVersion TINYINT, protocol VARCHAR, ipProto TINYINT, srcIP VARCHAR, srcPort INTEGER, dstIP VARCHAR, dstPort INTEGER,
              srcPackets BIGINT, dstPackets BIGINT, srcBytes BIGINT, dstBytes BIGINT, connState VARCHAR, files VARCHAR[]);
            """);
        using (DuckDBAppender a = db.CreateAppender("p"))
        {
            foreach (PacketRow r in packets)
            {
                a.CreateRow().AppendValue(r.TimestampNanos).AppendValue("default").AppendValue(r.File).AppendValue(r.FileOffset)
                    .AppendValue(r.FrameNumber).AppendValue(r.Length).AppendValue(r.CapturedLength).AppendValue(r.LinkType).AppendValue(r.Vlan)
                    .AppendValue((sbyte?)r.IpVersion).AppendValue(r.SrcIP).AppendValue(r.DstIP).AppendValue(r.Protocol).AppendValue((sbyte?)(r.IpProto > 127 ? null : r.IpProto))
                    .AppendValue(r.SrcPort).AppendValue(r.DstPort).AppendValue(r.CommunityId).AppendValue((short)r.TcpFlags).EndRow();
            }
        }
        using (DuckDBAppender a = db.CreateAppender("f"))
        {
            foreach (FlowRow r in flows)
            {
                a.CreateRow().AppendValue(r.FlowId).AppendValue(r.CommunityId).AppendValue("default").AppendValue(r.FirstSeenNanos).AppendValue(r.LastSeenNanos)
                    .AppendValue(r.Vlan).AppendValue((sbyte)r.IpVersion).AppendValue(r.Protocol).AppendValue((sbyte)r.IpProto).AppendValue(r.SrcIP)
                    .AppendValue(r.SrcPort).AppendValue(r.DstIP).AppendValue(r.DstPort).AppendValue(r.SrcPackets).AppendValue(r.DstPackets)
                    .AppendValue(r.SrcBytes).AppendValue(r.DstBytes).AppendValue(r.ConnState)
                    .AppendValue(r.Packets.Select(p => p.File).Distinct().ToList()).EndRow();
            }
        }
        string q(string s) => "'" + s.Replace("'", "''", StringComparison.Ordinal) + "'";
        Exec(db, $"""
            COPY (SELECT make_timestamp(timestampNanos // 1000) AS timestamp, timestampNanos, timestampNanos // 1000000 AS timestampMillis, * EXCLUDE (timestampNanos),
                    strftime(make_timestamp(timestampNanos // 1000), '%Y-%m-%d') AS date, strftime(make_timestamp(timestampNanos // 1000), '%H') AS hour FROM p)
              TO {q(Path.Combine(output, "packets"))} (FORMAT parquet, PARTITION_BY (date, hour), FILENAME_PATTERN 'part-{batch}-{"{i}"}', OVERWRITE_OR_IGNORE);
            COPY (SELECT flowId, communityId, sensor, make_timestamp(firstSeenNanos // 1000) AS firstSeen, make_timestamp(lastSeenNanos // 1000) AS lastSeen,
                    firstSeenNanos, lastSeenNanos, (lastSeenNanos - firstSeenNanos) / 1e9 AS durationSeconds, * EXCLUDE (flowId, communityId, sensor, firstSeenNanos, lastSeenNanos),
                    strftime(make_timestamp(firstSeenNanos // 1000), '%Y-%m-%d') AS date, strftime(make_timestamp(firstSeenNanos // 1000), '%H') AS hour FROM f)
              TO {q(Path.Combine(output, "flows"))} (FORMAT parquet, PARTITION_BY (date, hour), FILENAME_PATTERN 'part-{batch}-{"{i}"}', OVERWRITE_OR_IGNORE);
            """);
        string meta = Path.Combine(output, "_pcapstream");
        Directory.CreateDirectory(Path.Combine(meta, "sources"));
        Directory.CreateDirectory(Path.Combine(meta, "commits"));
        File.WriteAllText(Path.Combine(meta, "sources", batch), "v1\n{\"inputRoot\":" + System.Text.Json.JsonSerializer.Serialize(inputRoot) + "}\n");
        if (commit)
        {
            File.WriteAllText(Path.Combine(meta, "commits", batch), "v1\n{}\n");
        }
    }

    private static void Exec(DuckDBConnection db, string sql)
    {
        using DuckDBCommand c = db.CreateCommand();
        c.CommandText = sql;
        c.ExecuteNonQuery();
    }

    private static string? Empty(string s) => s.Length == 0 ? null : s;

    private static int? Int(string s) => s.Length == 0 ? null : int.Parse(s.Split(',')[0], CultureInfo.InvariantCulture);
}
