using System.Text.Json;
using PcapStream.Decoding;
using PcapStream.Readers;
using PcapStream.Tests.Support;

namespace PcapStream.Tests;

/// <summary>
/// Community ID v1 against the spec's own baselines (corelight/community-id-spec, copied to
/// ../shared/community-id): every row of the three baselines from its tuple, and the same rows from the
/// packets of the spec's captures once they are read and decoded by our own code.
/// </summary>
public class CommunityIdTests
{
    public static TheoryData<string, ushort, bool> Baselines => new()
    {
        { "baseline_deflt.json", 0, true },
        { "baseline_seed1.json", 1, true },
        { "baseline_nob64.json", 0, false },
    };

    [Theory]
    [MemberData(nameof(Baselines))]
    public void Every_baseline_row_is_reproduced_from_its_tuple(string baseline, ushort seed, bool base64)
    {
        List<BaselineRow> rows = Load(baseline);
        Assert.True(rows.Count >= 20, $"{baseline} has only {rows.Count} rows");
        foreach (BaselineRow row in rows)
        {
            string actual = CommunityId.Compute(row.Src, row.Dst, row.Proto, row.SrcPort ?? 0, row.DstPort ?? 0,
                row.SrcPort.HasValue, row.Src.IsIPv4, seed, base64);
            Assert.True(row.Expected == actual, $"{baseline}: {row} gave {actual}");
        }
    }

    [Fact]
    public void Both_directions_of_a_flow_share_an_id_and_one_way_icmp_does_not_swap()
    {
        var a = IpAddress16.Parse("10.0.0.1");
        var b = IpAddress16.Parse("10.0.0.2");
        Assert.Equal(CommunityId.Compute(a, b, 6, 1234, 80, true, true), CommunityId.Compute(b, a, 6, 80, 1234, true, true));
        // Echo request (8/0) from a and echo reply (0/0) from b are one conversation.
        Assert.Equal(CommunityId.Compute(a, b, 1, 8, 0, true, true), CommunityId.Compute(b, a, 1, 0, 0, true, true));
        // Time exceeded (11) is one-way: the same message the other way round is a different ID.
        Assert.NotEqual(CommunityId.Compute(a, b, 1, 11, 0, true, true), CommunityId.Compute(b, a, 1, 11, 0, true, true));
        // Equal addresses: the smaller port goes first.
        Assert.Equal(CommunityId.Compute(a, a, 17, 53, 5353, true, true), CommunityId.Compute(a, a, 17, 5353, 53, true, true));
    }

    [Fact]
    public void A_decoded_packet_uses_its_ports_icmp_type_or_no_ports()
    {
        var packet = new DecodedPacket();
        packet.Reset();
        Assert.Null(CommunityId.Compute(in packet));

        packet.IpVersion = 4;
        packet.Src = IpAddress16.Parse("128.232.110.120");
        packet.Dst = IpAddress16.Parse("66.35.250.204");
        packet.IpProto = 6;
        packet.HasPorts = true;
        packet.SrcPort = 34855;
        packet.DstPort = 80;
        Assert.Equal("1:LQU9qZlK+B5F3KDmev6m5PMibrg=", CommunityId.Compute(in packet));

        // A later fragment has no ports: it hashes as a port-less tuple, not with zeros.
        packet.HasPorts = false;
        packet.SrcPort = 0;
        packet.DstPort = 0;
        string? fragment = CommunityId.Compute(in packet);
        Assert.NotEqual(CommunityId.Compute(packet.Src, packet.Dst, 6, 0, 0, true, true), fragment);
        Assert.Equal(CommunityId.Compute(packet.Src, packet.Dst, 6, 0, 0, false, true), fragment);

        packet.Src = IpAddress16.Parse("192.168.0.89");
        packet.Dst = IpAddress16.Parse("192.168.0.1");
        packet.IpProto = 1;
        packet.HasIcmp = true;
        packet.IcmpType = 8;
        Assert.Equal("1:X0snYXpgwiv9TZtqg64sgzUn6Dk=", CommunityId.Compute(in packet));
    }

    [Fact]
    public void Utf8_form_allocates_nothing()
    {
        var packet = new DecodedPacket();
        packet.Reset();
        packet.IpVersion = 6;
        packet.Src = IpAddress16.Parse("2001:470:e5bf:dead:4957:2174:e82c:4887");
        packet.Dst = IpAddress16.Parse("2607:f8b0:400c:c03::1a");
        packet.IpProto = 6;
        packet.HasPorts = true;
        packet.SrcPort = 63943;
        packet.DstPort = 25;
        Span<byte> text = stackalloc byte[CommunityId.MaxTextLength];
        CommunityId.TryFormatUtf8(in packet, text); // warm up
        long before = GC.GetAllocatedBytesForCurrentThread();
        int n = 0;
        for (int i = 0; i < 100; i++)
        {
            n = CommunityId.TryFormatUtf8(in packet, text);
        }
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal("1:/qFaeAR+gFe1KYjMzVDsMv+wgU4=", System.Text.Encoding.ASCII.GetString(text[..n]));
        Assert.Equal(0, allocated);
    }

    /// <summary>
    /// The baselines were made from the spec's captures: decoding each capture with our reader and decoder and
    /// keeping each distinct (proto, saddr, daddr, sport, dport) in order of first appearance gives exactly the
    /// baseline's rows, with the same IDs. ARP has no IP header (no Community ID, no row); RSVP (46) is the
    /// port-less case.
    /// </summary>
    [Theory]
    [MemberData(nameof(Baselines))]
    public void Packets_of_the_spec_captures_give_the_baseline_ids(string baseline, ushort seed, bool base64)
    {
        List<BaselineRow> expected = Load(baseline);
        string dir = SharedData.Require("community-id/pcaps");
        // The order the spec's baseline script walked the captures in (as its rows show).
        string[] files = ["icmp6.pcap", "icmp.pcap", "ipv6.pcap", "sctp.pcap", "tcp.pcap", "udp.pcap", "arp.pcap", "rsvp.pcap"];
        var seen = new HashSet<string>();
        var actual = new List<string>();
        foreach (string file in files)
        {
            foreach (string row in DecodeTuples(Path.Combine(dir, file), seed, base64))
            {
                if (seen.Add(row))
                {
                    actual.Add(row);
                }
            }
        }
        Assert.Equal(expected.Select(r => r.ToString() + " " + r.Expected), actual);
    }

    [Fact]
    public void The_combined_gzip_capture_holds_only_baseline_tuples()
    {
        List<BaselineRow> expected = Load("baseline_deflt.json");
        var known = expected.Select(r => r.ToString() + " " + r.Expected).ToHashSet();
        List<string> rows = DecodeTuples(SharedData.Require("community-id/pcaps/combined.pcap.gz"), 0, true);
        Assert.NotEmpty(rows);
        Assert.All(rows, r => Assert.Contains(r, known));
        Assert.Equal(known.Count, rows.Distinct().Count());
    }

    private static List<string> DecodeTuples(string path, ushort seed, bool base64)
    {
        var rows = new List<string>();
        using CaptureReader reader = CaptureReader.Open(path);
        var packet = new DecodedPacket();
        Span<byte> text = stackalloc byte[CommunityId.MaxTextLength];
        while (reader.TryRead(out CaptureRecord record))
        {
            PacketDecoder.Decode(record.Data, record.LinkType, record.OriginalLength, ref packet);
            int n = CommunityId.TryFormatUtf8(in packet, text, seed, base64);
            if (n < 0)
            {
                continue; // no IP header (ARP): the baseline has no row either
            }
            CommunityId.TryGetTuple(in packet, out bool hasPorts, out ushort sport, out ushort dport);
            if (hasPorts && packet.IpProto is 1 or 58)
            {
                (sport, dport, _) = CommunityId.MapIcmp(packet.IpProto, (byte)sport, (byte)dport);
            }
            var row = new BaselineRow(packet.IpProto, packet.Src, packet.Dst, hasPorts ? sport : null,
                hasPorts ? dport : null, System.Text.Encoding.ASCII.GetString(text[..n]));
            rows.Add(row.ToString() + " " + row.Expected);
        }
        return rows;
    }

    /// <summary>The rows of one of the spec's baseline files (../shared/community-id/baseline; the test skips without it).</summary>
    internal static List<BaselineRow> Load(string name)
    {
        string path = SharedData.Require(Path.Combine("community-id/baseline", name));
        using JsonDocument doc = JsonDocument.Parse(File.ReadAllText(path));
        var rows = new List<BaselineRow>();
        foreach (JsonElement e in doc.RootElement.EnumerateArray())
        {
            rows.Add(new BaselineRow(
                e.GetProperty("proto").GetByte(),
                IpAddress16.Parse(e.GetProperty("saddr").GetString()!),
                IpAddress16.Parse(e.GetProperty("daddr").GetString()!),
                e.GetProperty("sport").ValueKind == JsonValueKind.Null ? null : e.GetProperty("sport").GetUInt16(),
                e.GetProperty("dport").ValueKind == JsonValueKind.Null ? null : e.GetProperty("dport").GetUInt16(),
                e.GetProperty("communityid").GetString()!));
        }
        return rows;
    }

    internal sealed record BaselineRow(byte Proto, IpAddress16 Src, IpAddress16 Dst, ushort? SrcPort, ushort? DstPort, string Expected)
    {
        public override string ToString() => $"{Proto} {Src} {Dst} {SrcPort} {DstPort}";

        /// <summary>The row as a batch tuple (ports take part when the row has them).</summary>
        public CommunityIdTuple ToTuple() => new(Src, Dst, Proto, SrcPort ?? 0, DstPort ?? 0, SrcPort.HasValue, Src.IsIPv4);
    }
}

public class CommunityIdSha1Tests
{
    [Fact]
    public void Single_block_sha1_equals_the_platform_sha1_for_every_length()
    {
        var random = new Random(1);
        byte[] hash = new byte[20];
        for (int length = 0; length <= 55; length++)
        {
            for (int i = 0; i < 50; i++)
            {
                byte[] input = new byte[length];
                random.NextBytes(input);
                CommunityId.Sha1SingleBlock(input, hash);
                Assert.Equal(System.Security.Cryptography.SHA1.HashData(input), hash);
            }
        }
        Assert.Throws<ArgumentException>(() => CommunityId.Sha1SingleBlock(new byte[56], hash));
    }
}
