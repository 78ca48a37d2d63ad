using System.Text;
using System.Text.Json;
using PcapStream.Decoding;
using PcapStream.Flows;
using PcapStream.Output;

namespace PcapStream.Tests.Output;

public class PacketColumnsTests
{
    [Fact]
    public void Columns_are_the_design_schema_in_order()
    {
        string[] design =
        [
            "timestamp", "timestampNanos", "timestampMillis", "sensor", "file", "fileOffset", "frameNumber", "length",
            "capturedLength", "linkType", "vlan", "ipVersion", "srcIP", "dstIP", "protocol", "ipProto", "srcPort",
            "dstPort", "ttl", "ipFlagsDf", "ipFlagsMf", "fragmentOffset", "tcpSeq", "tcpAck", "tcpFlags", "tcpFlagNs",
            "tcpFlagCwr", "tcpFlagEce", "tcpFlagUrg", "tcpFlagAck", "tcpFlagPsh", "tcpFlagRst", "tcpFlagSyn",
            "tcpFlagFin", "tcpWindow", "udpLength", "udpSum", "icmpType", "icmpCode", "payloadLength", "communityId",
            "tunnel", "outerSrcIP", "outerDstIP", "anomaly",
        ];
        Assert.Equal(design, PacketColumns.Columns.Select(c => c.Name));
        Assert.Equal(design.Length, Enum.GetValues<PacketColumn>().Length);
        for (int i = 0; i < design.Length; i++)
        {
            Assert.Equal(design[i], JsonNamingPolicy.CamelCase.ConvertName(((PacketColumn)i).ToString()).Replace("iP", "IP"));
        }
    }

    [Fact]
    public void Fields_a_packet_does_not_have_are_null_never_zero()
    {
        // ARP-like frame: link layer only.
        var packet = new DecodedPacket();
        packet.Reset();
        packet.LinkType = 1;
        packet.WireLength = packet.CapturedLength = 60;
        string[] arp = Tsv(in packet);
        foreach (PacketColumn c in new[] { PacketColumn.Vlan, PacketColumn.IpVersion, PacketColumn.SrcIP, PacketColumn.Protocol,
            PacketColumn.SrcPort, PacketColumn.Ttl, PacketColumn.IpFlagsDf, PacketColumn.TcpSeq, PacketColumn.TcpFlagSyn,
            PacketColumn.UdpLength, PacketColumn.IcmpType, PacketColumn.PayloadLength, PacketColumn.CommunityId,
            PacketColumn.Tunnel, PacketColumn.OuterSrcIP, PacketColumn.Anomaly })
        {
            Assert.True(arp[(int)c] == "", $"{c} should be null for a frame without IP, was '{arp[(int)c]}'");
        }
        Assert.Equal("60", arp[(int)PacketColumn.Length]);

        // IPv6 UDP inside VXLAN with VLAN 7: UDP fields, no TCP/ICMP fields, no DF (IPv6), outer addresses.
        packet.Vlan = 7;
        packet.IpVersion = 6;
        packet.Src = IpAddress16.Parse("2001:db8::1");
        packet.Dst = IpAddress16.Parse("2001:db8::2");
        packet.IpProto = 17;
        packet.Ttl = 1;
        packet.HasPorts = packet.HasUdp = true;
        packet.SrcPort = 0; // port 0 is a value, not null
        packet.DstPort = 53;
        packet.UdpLength = 20;
        packet.Tunnel = TunnelKind.Vxlan;
        packet.OuterIpVersion = 4;
        packet.OuterSrc = IpAddress16.Parse("192.0.2.1");
        packet.OuterDst = IpAddress16.Parse("192.0.2.2");
        packet.Anomaly = Anomaly.Truncated;
        string[] udp = Tsv(in packet);
        Assert.Equal("7", udp[(int)PacketColumn.Vlan]);
        Assert.Equal("2001:db8::1", udp[(int)PacketColumn.SrcIP]);
        Assert.Equal("UDP", udp[(int)PacketColumn.Protocol]);
        Assert.Equal("0", udp[(int)PacketColumn.SrcPort]);
        Assert.Equal("", udp[(int)PacketColumn.IpFlagsDf]);
        Assert.Equal("false", udp[(int)PacketColumn.IpFlagsMf]);
        Assert.Equal("", udp[(int)PacketColumn.TcpSeq]);
        Assert.Equal("", udp[(int)PacketColumn.TcpFlagAck]);
        Assert.Equal("20", udp[(int)PacketColumn.UdpLength]);
        Assert.Equal("", udp[(int)PacketColumn.IcmpCode]);
        Assert.Equal("vxlan", udp[(int)PacketColumn.Tunnel]);
        Assert.Equal("192.0.2.1", udp[(int)PacketColumn.OuterSrcIP]);
        Assert.Equal("truncated", udp[(int)PacketColumn.Anomaly]);
        Assert.StartsWith("1:", udp[(int)PacketColumn.CommunityId]);

        // TCP flags: the nine booleans are the bits of tcpFlags (NS..FIN).
        packet.IpProto = 6;
        packet.HasUdp = false;
        packet.HasTcp = true;
        packet.TcpFlags = 0x1C2; // NS, CWR, ECE, SYN
        string[] tcp = Tsv(in packet);
        Assert.Equal("450", tcp[(int)PacketColumn.TcpFlags]);
        Assert.Equal(["true", "true", "true", "false", "false", "false", "false", "true", "false"],
            tcp[(int)PacketColumn.TcpFlagNs..((int)PacketColumn.TcpFlagFin + 1)]);
        Assert.Equal("", tcp[(int)PacketColumn.UdpLength]);
    }

    [Fact]
    public void Typed_getters_agree_with_the_text()
    {
        var packet = new DecodedPacket();
        packet.Reset();
        packet.IpVersion = 4;
        packet.Src = IpAddress16.Parse("10.0.0.1");
        packet.Dst = IpAddress16.Parse("10.0.0.2");
        packet.IpProto = 6;
        packet.HasTcp = packet.HasPorts = true;
        packet.TcpSeq = uint.MaxValue;
        var row = new PacketRow(in packet) { TimestampNanos = 1_500_000_001_234_567_891L, HasTimestamp = true, Sensor = "s", File = "f" };
        Assert.True(PacketColumns.TryGetInt64((int)PacketColumn.Timestamp, in row, out long micros));
        Assert.Equal(1_500_000_001_234_567L, micros);
        Assert.True(PacketColumns.TryGetInt64((int)PacketColumn.TcpSeq, in row, out long seq));
        Assert.Equal(4294967295L, seq); // unsigned 32-bit, not -1
        Assert.False(PacketColumns.TryGetInt64((int)PacketColumn.Vlan, in row, out _));
        Assert.Equal("10.0.0.1", PacketColumns.GetString((int)PacketColumn.SrcIP, in row));
        Assert.Null(PacketColumns.GetString((int)PacketColumn.Tunnel, in row));
        Assert.True(PacketColumns.TryGetBoolean((int)PacketColumn.IpFlagsDf, in row, out bool df));
        Assert.False(df);
    }

    [Fact]
    public void Writing_rows_allocates_nothing_per_row()
    {
        var packet = new DecodedPacket();
        packet.Reset();
        packet.IpVersion = 6;
        packet.Src = IpAddress16.Parse("2001:db8::1");
        packet.Dst = IpAddress16.Parse("2001:db8::2");
        packet.IpProto = 6;
        packet.HasTcp = packet.HasPorts = true;
        packet.Tunnel = TunnelKind.Gre;
        packet.OuterSrc = IpAddress16.Parse("192.0.2.1");
        Span<byte> cid = stackalloc byte[CommunityId.MaxTextLength];
        foreach (RecordFormat format in Enum.GetValues<RecordFormat>())
        {
            using var writer = new RecordWriter<PacketRow, PacketColumns>(Stream.Null, format);
            var row = new PacketRow(in packet) { HasTimestamp = true, Sensor = "lab", File = "a,b.pcap" };
            long allocated = 0;
            for (int round = 0; round < 2; round++)
            {
                // Round 0 warms up (JIT, first buffer flush); round 1 is measured.
                long before = GC.GetAllocatedBytesForCurrentThread();
                for (int i = 0; i < 10_000; i++)
                {
                    int n = CommunityId.TryFormatUtf8(in packet, cid);
                    row = new PacketRow(in packet) { TimestampNanos = i, HasTimestamp = true, FrameNumber = i, Sensor = "lab", File = "a,b.pcap", CommunityId = cid[..n] };
                    writer.Write(in row);
                }
                allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            }
            Assert.True(allocated == 0, $"{format}: {allocated} bytes for 10,000 rows");
        }
    }

    [Fact]
    public void Flow_rows_print_in_every_format()
    {
        var flow = new FlowRecord
        {
            FlowId = "f1", CommunityId = "1:abc", Sensor = "lab", ConnState = "SF", Files = ["a.pcap", "b,\"c\".pcap"],
            FirstSeenNanos = 1_000_000_000, LastSeenNanos = 3_500_000_000, IpVersion = 4, IpProto = 17,
            SrcIP = IpAddress16.Parse("10.0.0.1"), DstIP = IpAddress16.Parse("10.0.0.2"), SrcPort = 5353, DstPort = 53,
            SrcPackets = 2, EndReason = EndReason.Idle,
        };
        Assert.Equal(Enum.GetValues<FlowColumn>().Length, FlowColumns.Columns.Count);

        string json = Write(flow, RecordFormat.Json);
        using JsonDocument doc = JsonDocument.Parse(json);
        JsonElement o = doc.RootElement;
        Assert.Equal("1970-01-01T00:00:01.000000Z", o.GetProperty("firstSeen").GetString());
        Assert.Equal(2.5, o.GetProperty("durationSeconds").GetDouble());
        Assert.Equal("idle", o.GetProperty("endReason").GetString());
        Assert.Equal(["a.pcap", "b,\"c\".pcap"], o.GetProperty("files").EnumerateArray().Select(e => e.GetString()));
        Assert.False(o.TryGetProperty("vlan", out _));
        Assert.False(o.TryGetProperty("tcpFlagsSrc", out _)); // UDP flow: no TCP flag union

        string[] tsv = Write(flow, RecordFormat.Tsv).TrimEnd('\n').Split('\n');
        Assert.Equal(string.Join('\t', FlowColumns.Columns.Select(c => c.Name)), tsv[0]);
        Assert.EndsWith("\tSF\tidle\ta.pcap,b,\"c\".pcap", tsv[1]);
        Assert.EndsWith(",SF,idle,\"a.pcap,b,\"\"c\"\".pcap\"\r\n", Write(flow, RecordFormat.Csv));
    }

    private static string Write(FlowRecord flow, RecordFormat format)
    {
        var stream = new MemoryStream();
        using (var writer = new RecordWriter<FlowRecord, FlowColumns>(stream, format))
        {
            writer.WriteHeader();
            writer.Write(in flow);
        }
        return Encoding.UTF8.GetString(stream.ToArray());
    }

    private static string[] Tsv(in DecodedPacket packet)
    {
        Span<byte> cid = stackalloc byte[CommunityId.MaxTextLength];
        int n = CommunityId.TryFormatUtf8(in packet, cid);
        var row = new PacketRow(in packet) { Sensor = "s", File = "f", CommunityId = n > 0 ? cid[..n] : default };
        var stream = new MemoryStream();
        using (var writer = new RecordWriter<PacketRow, PacketColumns>(stream, RecordFormat.Tsv))
        {
            writer.Write(in row);
        }
        string[] fields = Encoding.UTF8.GetString(stream.ToArray()).TrimEnd('\n').Split('\t');
        Assert.Equal(PacketColumns.Count, fields.Length);
        return fields;
    }
}
