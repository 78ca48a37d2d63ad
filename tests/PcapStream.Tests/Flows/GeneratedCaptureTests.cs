using PcapStream.Decoding;
using PcapStream.Flows;
using static PcapStream.Tests.Decoding.Frames;
using static PcapStream.Tests.Flows.GeneratedCapture;

namespace PcapStream.Tests.Flows;

/// <summary>
/// Flow rules on captures these tests generate: frames built byte by byte (<see cref="GeneratedCapture"/>:
/// Ethernet, optional 802.1Q, IPv4/IPv6, TCP/UDP/ICMP), written with PcapWriter as nanosecond pcap in a temporary
/// folder, then read back through CaptureReader + PacketDecoder + FlowTracker. Each capture is also written as one
/// file per packet, and building those separately and stitching must give the same flows (<see cref="GeneratedCapture.Run"/>).
/// Times are chosen to sit either side of each timeout; every test's comment says how its capture was made.
/// </summary>
public sealed class GeneratedCaptureTests : IDisposable
{
    private const string C = "10.0.0.1", Sv = "10.0.0.2";
    private const long T0 = 1_700_000_000L * S; // a realistic epoch time, so timestamps do not start at zero
    private readonly string _dir = Directory.CreateTempSubdirectory("pcapstream-flowgen").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    /// <summary>SYN, SYN-ACK, ACK, request, response from the client port to server port 80, 10 ms apart.</summary>
    private static GeneratedCapture Handshake(GeneratedCapture g, long t, int port = 40000, uint isn = 100)
    {
        return g.Tcp(t, C, port, Sv, 80, "S", seq: isn)
            .Tcp(t + S / 100, Sv, 80, C, port, "SA", seq: 900)
            .Tcp(t + 2 * S / 100, C, port, Sv, 80, "A", seq: isn + 1)
            .Tcp(t + 3 * S / 100, C, port, Sv, 80, "PA", seq: isn + 1, payload: 100)
            .Tcp(t + 4 * S / 100, Sv, 80, C, port, "PA", seq: 901, payload: 500);
    }

    /// <summary>
    /// Capture: two datagrams (or echo request/reply) of one conversation exactly the idle timeout apart, then one
    /// more 1 ns later than the timeout after that. Over IPv4, IPv6, an 802.1Q-tagged IPv4 link, and ICMP echo.
    /// </summary>
    [Theory]
    [InlineData("udp4")]
    [InlineData("udp6")]
    [InlineData("udp-vlan")]
    [InlineData("icmp")]
    public void A_gap_longer_than_60_s_splits_a_UDP_or_ICMP_conversation(string kind)
    {
        var g = new GeneratedCapture();
        (string a, string b) = kind == "udp6" ? ("2001:db8::1", "2001:db8::2") : (C, Sv);
        int vlan = kind == "udp-vlan" ? 42 : -1;
        long[] times = [T0, T0 + 60 * S, T0 + 120 * S + 1];
        for (int i = 0; i < 3; i++)
        {
            bool fromA = i != 1;
            if (kind == "icmp")
            {
                g.Icmp(times[i], fromA ? a : b, fromA ? b : a, fromA ? (byte)8 : (byte)0);
            }
            else
            {
                g.Udp(times[i], fromA ? a : b, fromA ? 5000 : 53, fromA ? b : a, fromA ? 53 : 5000, vlan: vlan);
            }
        }
        var flows = g.Run(_dir);
        Assert.Equal(2, flows.Count);
        Assert.Equal((EndReason.Idle, EndReason.Eof), (flows[0].EndReason, flows[1].EndReason));
        Assert.Equal((1L, 1L), (flows[0].SrcPackets, flows[0].DstPackets));
        Assert.Equal(("SF", "S0"), (flows[0].ConnState, flows[1].ConnState));
        Assert.Equal((T0, T0 + 60 * S), (flows[0].FirstSeenNanos, flows[0].LastSeenNanos));
        Assert.Equal(flows[0].CommunityId, flows[1].CommunityId);
        Assert.NotEqual(flows[0].FlowId, flows[1].FlowId);
        Assert.All(flows, f => Assert.Equal(IpAddress16.Parse(a), f.SrcIP));
        Assert.All(flows, f => Assert.Equal(vlan < 0 ? null : vlan, f.Vlan));
    }

    /// <summary>Capture: a handshake, then an ACK 300 s after the last packet (same flow), then one 300 s + 1 µs later.</summary>
    [Fact]
    public void A_TCP_connection_survives_300_s_of_silence_but_not_more()
    {
        var g = Handshake(new GeneratedCapture(), T0);
        long last = T0 + 4 * S / 100;
        g.Tcp(last + 300 * S, C, 40000, Sv, 80, "A", seq: 201);
        g.Tcp(last + 600 * S + 1000, C, 40000, Sv, 80, "A", seq: 201);
        var flows = g.Run(_dir);
        Assert.Equal(2, flows.Count);
        Assert.Equal((EndReason.Idle, 6L, "S1"), (flows[0].EndReason, flows[0].SrcPackets + flows[0].DstPackets, flows[0].ConnState));
        Assert.Equal((EndReason.Eof, 1L, "OTH"), (flows[1].EndReason, flows[1].SrcPackets, flows[1].ConnState));
    }

    /// <summary>
    /// Capture: a TCP handshake, then a data segment every 10 s, alternating direction, for 4000 s. Records are cut
    /// at 1800 s after their first packet and the connection goes on in a new record with the same Community ID.
    /// </summary>
    [Fact]
    public void A_connection_longer_than_1800_s_continues_in_new_records_with_the_same_community_id()
    {
        var g = Handshake(new GeneratedCapture(), T0);
        for (long s = 10; s <= 4000; s += 10)
        {
            _ = s % 20 == 0 ? g.Tcp(T0 + s * S, C, 40000, Sv, 80, "PA", payload: 10) : g.Tcp(T0 + s * S, Sv, 80, C, 40000, "PA", payload: 10);
        }
        var flows = g.Run(_dir);
        Assert.Equal([EndReason.Active, EndReason.Active, EndReason.Eof], flows.Select(f => f.EndReason));
        Assert.Equal(g.Count, flows.Sum(f => f.SrcPackets + f.DstPackets));
        // A packet exactly 1800 s after the record's first still belongs to it; the next one opens the continuation.
        Assert.Equal([T0, T0 + 1810 * S, T0 + 3620 * S], flows.Select(f => f.FirstSeenNanos));
        Assert.All(flows, f => Assert.True(f.LastSeenNanos - f.FirstSeenNanos <= 1800 * S));
        Assert.Single(flows.Select(f => f.CommunityId).Distinct());
        Assert.Equal(3, flows.Select(f => f.FlowId).Distinct().Count());
        // The continuations are the same connection: originator and handshake state carry over.
        Assert.All(flows, f => Assert.Equal((IpAddress16.Parse(C), 40000), (f.SrcIP, f.SrcPort!.Value)));
        Assert.All(flows, f => Assert.Equal("S1", f.ConnState));
    }

    /// <summary>
    /// Capture: handshake, FIN from the client at +1 s, FIN from the server, a late ACK at +4 s (inside the 5 s
    /// grace) and another ACK at +7 s (after it).
    /// </summary>
    [Fact]
    public void FIN_from_both_sides_closes_after_the_grace_period_and_a_late_ACK_still_counts()
    {
        var g = Handshake(new GeneratedCapture(), T0)
            .Tcp(T0 + S, C, 40000, Sv, 80, "FA", seq: 201)
            .Tcp(T0 + S + 1000, Sv, 80, C, 40000, "FA", seq: 1401)
            .Tcp(T0 + 4 * S, C, 40000, Sv, 80, "A", seq: 202)
            .Tcp(T0 + 7 * S, C, 40000, Sv, 80, "A", seq: 202);
        var flows = g.Run(_dir);
        Assert.Equal(2, flows.Count);
        Assert.Equal((EndReason.Fin, "SF", 8L), (flows[0].EndReason, flows[0].ConnState, flows[0].SrcPackets + flows[0].DstPackets));
        Assert.Equal(T0 + 4 * S, flows[0].LastSeenNanos);
        Assert.Equal((EndReason.Eof, "OTH"), (flows[1].EndReason, flows[1].ConnState));
    }

    /// <summary>Capture: handshake, RST from the server at +1 s, a stray ACK from the client at +2 s (inside the grace).</summary>
    [Fact]
    public void A_RST_closes_the_connection_and_late_packets_in_the_grace_still_count()
    {
        var g = Handshake(new GeneratedCapture(), T0)
            .Tcp(T0 + S, Sv, 80, C, 40000, "R", seq: 1401)
            .Tcp(T0 + 2 * S, C, 40000, Sv, 80, "A", seq: 201);
        FlowRecord f = Assert.Single(g.Run(_dir));
        Assert.Equal((EndReason.Rst, "RSTR", 7L), (f.EndReason, f.ConnState, f.SrcPackets + f.DstPackets));
    }

    /// <summary>
    /// Capture: handshake, RST from the client, a retransmitted copy of the first SYN (same ISN: same flow), then a
    /// SYN with a new ISN on the same ports 1 s later (inside the grace) and its SYN-ACK.
    /// </summary>
    [Fact]
    public void A_SYN_with_a_new_ISN_after_close_starts_a_new_flow()
    {
        var g = Handshake(new GeneratedCapture(), T0)
            .Tcp(T0 + S, C, 40000, Sv, 80, "R", seq: 201)
            .Tcp(T0 + S + 100, C, 40000, Sv, 80, "S", seq: 100);
        Handshake(g, T0 + 2 * S, isn: 777777);
        var flows = g.Run(_dir);
        Assert.Equal(2, flows.Count);
        Assert.Equal((EndReason.Rst, "RSTO", 7L), (flows[0].EndReason, flows[0].ConnState, flows[0].SrcPackets + flows[0].DstPackets));
        Assert.Equal((T0 + 2 * S, "S1", 5L), (flows[1].FirstSeenNanos, flows[1].ConnState, flows[1].SrcPackets + flows[1].DstPackets));
        Assert.Equal(flows[0].CommunityId, flows[1].CommunityId);
    }

    /// <summary>
    /// Capture: ten DNS queries from ten client ports, 1 s apart, none answered, with room for four flows: the six
    /// oldest are ended as evicted (and counted) as the newer ones arrive.
    /// </summary>
    [Fact]
    public void A_full_flow_table_evicts_the_least_recently_seen_flows_and_counts_them()
    {
        var g = new GeneratedCapture();
        for (int i = 0; i < 10; i++)
        {
            g.Udp(T0 + i * S, C, 1000 + i, Sv, 53);
        }
        var ended = new List<FlowRecord>();
        var tracker = new FlowTracker(new FlowSettings { MaxFlows = 4 }, "s1", ended);
        GeneratedCapture.Flows([g.Write(Path.Combine(_dir, "dns.pcap"))], tracker: tracker, ended: ended);
        Assert.Equal(6, tracker.Evicted);
        Assert.Equal(10, ended.Count);
        Assert.Equal(Enumerable.Range(1000, 6).Select(i => (int?)i), ended.Take(6).Select(f => f.SrcPort));
        Assert.All(ended.Take(6), f => Assert.Equal(EndReason.Evicted, f.EndReason));
        Assert.All(ended.Skip(6), f => Assert.Equal(EndReason.Eof, f.EndReason));
    }

    /// <summary>
    /// Capture: the server's SYN-ACK is written BEFORE the client's SYN (same timestamp, as a capture merged from
    /// two queues can show), then the handshake goes on.
    /// </summary>
    [Fact]
    public void The_SYN_sender_originates_even_when_the_SYN_ACK_comes_first_in_the_file()
    {
        var g = new GeneratedCapture()
            .Tcp(T0, Sv, 80, C, 40000, "SA", seq: 900)
            .Tcp(T0, C, 40000, Sv, 80, "S", seq: 100)
            .Tcp(T0 + 1000, C, 40000, Sv, 80, "A", seq: 101);
        FlowRecord f = Assert.Single(g.Run(_dir));
        Assert.Equal((IpAddress16.Parse(C), 40000, IpAddress16.Parse(Sv), 80), (f.SrcIP, f.SrcPort!.Value, f.DstIP, f.DstPort!.Value));
        Assert.Equal((2L, 1L, "S1"), (f.SrcPackets, f.DstPackets, f.ConnState));
    }

    /// <summary>Capture: a connection already established when the capture started: the server speaks first, no SYN.</summary>
    [Fact]
    public void Without_a_SYN_the_first_packets_sender_originates()
    {
        var g = new GeneratedCapture()
            .Tcp(T0, Sv, 443, C, 40000, "PA", payload: 300)
            .Tcp(T0 + 1000, C, 40000, Sv, 443, "A")
            .Tcp(T0 + 2000, C, 40000, Sv, 443, "PA", payload: 50);
        FlowRecord f = Assert.Single(g.Run(_dir));
        Assert.Equal((IpAddress16.Parse(Sv), 443), (f.SrcIP, f.SrcPort!.Value));
        Assert.Equal((1L, 2L, 300L, 50L), (f.SrcPackets, f.DstPackets, f.SrcPayloadBytes, f.DstPayloadBytes));
        Assert.Equal("OTH", f.ConnState);
    }

    /// <summary>
    /// One generated conversation per Zeek conn_state value. Script: ">" is a packet from the client
    /// (10.0.0.1:40000) to the server (10.0.0.2:80), "&lt;" the other way, followed by its TCP flags; 1 ms apart.
    /// </summary>
    [Theory]
    [InlineData("S0", ">S")]
    [InlineData("S1", ">S <SA >A")]
    [InlineData("SF", ">S <SA >A >PA <PA >FA <FA >A")]
    [InlineData("REJ", ">S <RA")]
    [InlineData("S2", ">S <SA >A >FA")]
    [InlineData("S3", ">S <SA >A <FA")]
    [InlineData("RSTO", ">S <SA >A >R")]
    [InlineData("RSTR", ">S <SA >A <R")]
    [InlineData("RSTOS0", ">S >R")]
    [InlineData("RSTRH", "<SA <R")]
    [InlineData("SH", ">S >FA")]
    [InlineData("SHR", "<SA <FA")]
    [InlineData("OTH", ">PA <A")]
    public void Each_Zeek_conn_state_comes_from_its_conversation(string expected, string script)
    {
        var g = new GeneratedCapture();
        long t = T0;
        foreach (string step in script.Split(' '))
        {
            bool fromClient = step[0] == '>';
            g.Tcp(t += S / 1000, fromClient ? C : Sv, fromClient ? 40000 : 80, fromClient ? Sv : C, fromClient ? 80 : 40000, step[1..],
                payload: step.Contains('P', StringComparison.Ordinal) ? 10 : 0);
        }
        FlowRecord f = Assert.Single(g.Run(_dir));
        Assert.Equal(expected, f.ConnState);
        // The client is the originator in every script (a SYN-ACK's receiver when no SYN was seen).
        Assert.Equal(IpAddress16.Parse(C), f.SrcIP);
        Assert.Equal(expected.StartsWith("RST", StringComparison.Ordinal) || expected == "REJ" ? EndReason.Rst
            : expected == "SF" ? EndReason.Fin : EndReason.Eof, f.EndReason);
    }
    /// <summary>
    /// Capture: one UDP datagram (10.0.0.1:5353 to 10.0.0.2:9999, 2072 bytes) sent as two IPv4 fragments, IP id 77:
    /// the first (offset 0, MF, UDP header) is the LAST packet of file a.pcap, the second (offset 1480) the FIRST of
    /// file b.pcap, followed by a second datagram (id 78) whose two fragments are both in b.pcap.
    /// One pass ties every later fragment to its first fragment's flow. When the files are built separately, the
    /// builder of b.pcap never saw id 77's first fragment, so that fragment falls back to the port-less flow of the
    /// same addresses (the documented limit, docs/flows.md "Fragments"): it is still counted, once, in a flow of
    /// the right addresses and protocol; fragments within one file are tied either way.
    /// </summary>
    [Fact]
    public void A_later_fragment_in_the_next_file_is_counted_once_in_a_portless_flow_when_files_are_built_separately()
    {
        static byte[] FirstBody() => Cat(U16(5353), U16(9999), U16(8 + 1472 + 592), U16(0), new byte[1472]);
        var g = new GeneratedCapture()
            .Udp(T0, C, 7000, Sv, 7001)
            .Fragment(T0 + 1000, C, Sv, 77, 0, more: true, FirstBody())
            .Fragment(T0 + 2000, C, Sv, 77, 1480, more: false, new byte[592])
            .Fragment(T0 + 3000, C, Sv, 78, 0, more: true, FirstBody())
            .Fragment(T0 + 4000, C, Sv, 78, 1480, more: false, new byte[592]);
        string a = g.Write(Path.Combine(_dir, "a.pcap"), 0, 2), b = g.Write(Path.Combine(_dir, "b.pcap"), 2);

        var onePass = GeneratedCapture.Flows([a, b]);
        Assert.Equal(2, onePass.Count);
        FlowRecord dgram = Assert.Single(onePass, f => f.SrcPort == 5353);
        Assert.Equal((4L, 4 * 1514L - 2 * (1480 - 592)), (dgram.SrcPackets, dgram.SrcBytes));
        Assert.Equal(["a.pcap", "b.pcap"], dgram.Files);

        var stitched = GeneratedCapture.Stitched([a, b]);
        Assert.Equal(3, stitched.Count);
        Assert.Equal(3L, Assert.Single(stitched, f => f.SrcPort == 5353).SrcPackets);
        FlowRecord portless = Assert.Single(stitched, f => f.SrcPort is null);
        Assert.Equal((17, IpAddress16.Parse(C), IpAddress16.Parse(Sv), 1L), (portless.IpProto, portless.SrcIP, portless.DstIP, portless.SrcPackets));
        Assert.Equal(["b.pcap"], portless.Files);
        Assert.Equal(onePass.Sum(f => f.SrcPackets + f.DstPackets), stitched.Sum(f => f.SrcPackets + f.DstPackets));
        Assert.Equal(onePass.Sum(f => f.SrcBytes + f.DstBytes), stitched.Sum(f => f.SrcBytes + f.DstBytes));
    }
}
