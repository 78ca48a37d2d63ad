using PcapStream.Decoding;
using PcapStream.Flows;
using static PcapStream.Tests.Flows.Pkt;

namespace PcapStream.Tests.Flows;

/// <summary>
/// Flow rules on packet sequences built by hand (see <see cref="Pkt"/>: each packet is what the decoder yields
/// for an Ethernet/IPv4 frame with the given header fields; times are chosen to sit either side of each timeout).
/// </summary>
public class FlowRulesTests
{
    private const string C = "10.0.0.1", Sv = "10.0.0.2";

    private static List<(long, DecodedPacket)> Handshake(long t0, ushort cport = 40000)
    {
        return
        [
            (t0, Tcp(C, cport, Sv, 80, Syn, seq: 100)),
            (t0 + S / 100, Tcp(Sv, 80, C, cport, (ushort)(Syn | Ack), seq: 900)),
            (t0 + 2 * S / 100, Tcp(C, cport, Sv, 80, Ack, seq: 101)),
            (t0 + 3 * S / 100, Tcp(C, cport, Sv, 80, (ushort)(Psh | Ack), payload: 100, seq: 101)),
            (t0 + 4 * S / 100, Tcp(Sv, 80, C, cport, (ushort)(Psh | Ack), payload: 500, seq: 901)),
        ];
    }

    [Fact]
    public void Both_directions_meet_in_one_flow_with_the_SYN_sender_as_originator()
    {
        var pk = Handshake(10 * S);
        pk.Add((11 * S, Tcp(C, 40000, Sv, 80, (ushort)(Fin | Ack))));
        pk.Add((11 * S + 1, Tcp(Sv, 80, C, 40000, (ushort)(Fin | Ack))));
        pk.Add((11 * S + 2, Tcp(C, 40000, Sv, 80, Ack)));
        FlowRecord f = Assert.Single(SinglePass(pk));
        Assert.Equal(IpAddress16.Parse(C), f.SrcIP);
        Assert.Equal(40000, f.SrcPort);
        Assert.Equal(80, f.DstPort);
        Assert.Equal((5, 3), (f.SrcPackets, f.DstPackets));
        Assert.Equal((100, 500), (f.SrcPayloadBytes, f.DstPayloadBytes));
        Assert.Equal(5 * 54 + 100, f.SrcBytes);
        Assert.Equal(5 * 40 + 100, f.SrcIpBytes);
        Assert.Equal("SF", f.ConnState);
        Assert.Equal(EndReason.Fin, f.EndReason);
        Assert.Equal(Syn | Ack | Psh | Fin, f.TcpFlagsSrc);
        Assert.Equal(10 * S, f.FirstSeenNanos);
        Assert.Equal(11 * S + 2, f.LastSeenNanos);
        Assert.Equal(["f0.pcap"], f.Files);
    }

    [Fact]
    public void A_SYN_ACK_seen_first_makes_its_receiver_the_originator()
    {
        // Capture started after the SYN: first packet is the server's SYN-ACK.
        var pk = Handshake(0).Skip(1).ToList();
        FlowRecord f = Assert.Single(SinglePass(pk));
        Assert.Equal(IpAddress16.Parse(C), f.SrcIP);
        Assert.Equal(80, f.DstPort);
        Assert.Equal("OTH", f.ConnState);
    }

    [Fact]
    public void Without_a_handshake_the_first_packets_sender_originates()
    {
        var pk = new List<(long, DecodedPacket)>
        {
            (0, Tcp(Sv, 80, C, 40000, (ushort)(Psh | Ack), payload: 10)),
            (1, Tcp(C, 40000, Sv, 80, Ack)),
        };
        FlowRecord f = Assert.Single(SinglePass(pk));
        Assert.Equal(IpAddress16.Parse(Sv), f.SrcIP);
        Assert.Equal(80, f.SrcPort);
        Assert.Equal("OTH", f.ConnState);
        Assert.Equal(EndReason.Eof, f.EndReason);
    }

    [Fact]
    public void UDP_idle_timeout_splits_only_after_a_gap_longer_than_60_s()
    {
        var pk = new List<(long, DecodedPacket)>
        {
            (0, Udp(C, 5000, Sv, 53)),
            (60 * S, Udp(Sv, 53, C, 5000)),            // exactly 60 s later: same flow
            (120 * S + 1, Udp(C, 5000, Sv, 53)),       // 60 s + 1 ns after the last: a new flow
        };
        var flows = SinglePass(pk).OrderBy(f => f.FirstSeenNanos).ToList();
        Assert.Equal(2, flows.Count);
        Assert.Equal(EndReason.Idle, flows[0].EndReason);
        Assert.Equal((1, 1), (flows[0].SrcPackets, flows[0].DstPackets));
        Assert.Equal("SF", flows[0].ConnState);
        Assert.Equal("S0", flows[1].ConnState);
        Assert.Equal(flows[0].CommunityId, flows[1].CommunityId);
        Assert.NotEqual(flows[0].FlowId, flows[1].FlowId);
    }

    [Fact]
    public void TCP_idle_timeout_is_300_s_and_configurable()
    {
        var pk = new List<(long, DecodedPacket)>
        {
            (0, Tcp(C, 1, Sv, 2, Ack)),
            (299 * S, Tcp(C, 1, Sv, 2, Ack)),
            (600 * S, Tcp(C, 1, Sv, 2, Ack)),
        };
        Assert.Equal(2, SinglePass(pk).Count);
        Assert.Equal(3, SinglePass(pk, new FlowSettings { TcpIdleTimeout = TimeSpan.FromSeconds(100) }).Count);
        Assert.Single(SinglePass(pk, new FlowSettings { TcpIdleTimeout = TimeSpan.Zero })); // zero disables
    }

    [Fact]
    public void A_long_flow_is_cut_by_the_active_timeout_and_continues_with_the_same_community_id()
    {
        // A UDP packet every 10 s for 4000 s: records of at most 1800 s, then the rest at end of input.
        var pk = new List<(long, DecodedPacket)>();
        for (long t = 0; t <= 4000; t += 10)
        {
            pk.Add((t * S, t % 20 == 0 ? Udp(C, 7000, Sv, 7001) : Udp(Sv, 7001, C, 7000)));
        }
        var flows = SinglePass(pk).OrderBy(f => f.FirstSeenNanos).ToList();
        Assert.Equal([EndReason.Active, EndReason.Active, EndReason.Eof], flows.Select(f => f.EndReason));
        Assert.Equal(pk.Count, flows.Sum(f => f.SrcPackets + f.DstPackets));
        Assert.All(flows, f => Assert.True(f.LastSeenNanos - f.FirstSeenNanos <= 1800 * S));
        Assert.Single(flows.Select(f => f.CommunityId).Distinct());
        Assert.Equal(3, flows.Select(f => f.FlowId).Distinct().Count());
        // The continuation keeps the originator even though its first packet may come from the responder.
        Assert.All(flows, f => Assert.Equal(IpAddress16.Parse(C), f.SrcIP));
    }

    [Fact]
    public void FIN_both_ways_closes_after_the_grace_period_and_late_packets_still_count()
    {
        var pk = Handshake(0);
        pk.Add((1 * S, Tcp(C, 40000, Sv, 80, (ushort)(Fin | Ack))));
        pk.Add((1 * S + 10, Tcp(Sv, 80, C, 40000, (ushort)(Fin | Ack))));
        pk.Add((4 * S, Tcp(C, 40000, Sv, 80, Ack)));               // late ACK within the 5 s grace
        pk.Add((7 * S, Tcp(C, 40000, Sv, 80, Ack)));               // after the grace: a new (mid-stream) flow
        var flows = SinglePass(pk).OrderBy(f => f.FirstSeenNanos).ToList();
        Assert.Equal(2, flows.Count);
        Assert.Equal(EndReason.Fin, flows[0].EndReason);
        Assert.Equal(8, flows[0].SrcPackets + flows[0].DstPackets);
        Assert.Equal("SF", flows[0].ConnState);
        Assert.Equal("OTH", flows[1].ConnState);
    }

    [Fact]
    public void RST_closes_the_flow_and_names_who_reset()
    {
        var rejected = new List<(long, DecodedPacket)>
        {
            (0, Tcp(C, 40001, Sv, 81, Syn)),
            (1000, Tcp(Sv, 81, C, 40001, (ushort)(Rst | Ack))),
        };
        FlowRecord f = Assert.Single(SinglePass(rejected));
        Assert.Equal(("REJ", EndReason.Rst), (f.ConnState, f.EndReason));

        var aborted = Handshake(0);
        aborted.Add((S, Tcp(C, 40000, Sv, 80, Rst)));
        Assert.Equal("RSTO", Assert.Single(SinglePass(aborted)).ConnState);

        var attempt = new List<(long, DecodedPacket)> { (0, Tcp(C, 40002, Sv, 80, Syn)) };
        Assert.Equal("S0", Assert.Single(SinglePass(attempt)).ConnState);
    }

    [Fact]
    public void A_SYN_with_a_new_ISN_after_close_starts_a_new_flow_even_inside_the_grace_period()
    {
        var pk = Handshake(0);
        pk.Add((S, Tcp(C, 40000, Sv, 80, Rst, seq: 700)));
        pk.Add((S + 100, Tcp(C, 40000, Sv, 80, Syn, seq: 100)));      // retransmitted old SYN: same ISN, same flow
        pk.Add((2 * S, Tcp(C, 40000, Sv, 80, Syn, seq: 5555)));       // new connection on the same 5-tuple
        pk.Add((2 * S + 10, Tcp(Sv, 80, C, 40000, (ushort)(Syn | Ack), seq: 1)));
        var flows = SinglePass(pk).OrderBy(f => f.FirstSeenNanos).ToList();
        Assert.Equal(2, flows.Count);
        Assert.Equal((EndReason.Rst, 7L), (flows[0].EndReason, flows[0].SrcPackets + flows[0].DstPackets));
        Assert.Equal((2 * S, 2L), (flows[1].FirstSeenNanos, flows[1].SrcPackets + flows[1].DstPackets));
        Assert.Equal("S1", flows[1].ConnState);
    }

    [Fact]
    public void A_full_table_evicts_the_oldest_idle_flows_and_counts_them()
    {
        var settings = new FlowSettings { MaxFlows = 4 };
        var pk = new List<(long, DecodedPacket)>();
        for (int i = 0; i < 10; i++)
        {
            pk.Add((i * S, Udp(C, (ushort)(1000 + i), Sv, 53)));
        }
        var ended = new List<FlowRecord>();
        var tracker = new FlowTracker(settings, "s1", ended);
        tracker.BeginFile("x");
        foreach (var (t, p) in pk)
        {
            tracker.Add(p, t);
            Assert.True(tracker.OpenFlows <= 4);
        }
        Assert.Equal(6, tracker.Evicted);
        // The oldest ones went first.
        Assert.Equal(Enumerable.Range(1000, 6).Select(i => (int?)i), ended.Select(f => f.SrcPort));
        Assert.All(ended, f => Assert.Equal(EndReason.Evicted, f.EndReason));
        tracker.Flush();
        Assert.Equal(10, ended.Count);
    }

    [Fact]
    public void Later_IP_fragments_count_in_the_flow_of_their_first_fragment()
    {
        DecodedPacket first = Udp(C, 5353, Sv, 9999, payload: 1472);
        first.IsFragment = true;
        first.MoreFragments = true;
        first.IpId = 77;
        DecodedPacket second = Ip(C, Sv, 17, 600);
        second.IsFragment = true;
        second.FragmentOffset = 1480;
        second.IpId = 77;
        DecodedPacket unrelated = Ip(C, Sv, 17, 600);
        unrelated.IsFragment = true;
        unrelated.FragmentOffset = 1480;
        unrelated.IpId = 78; // first fragment never seen: port-less flow of the same addresses
        var flows = SinglePass([(0, first), (1, second), (2, unrelated)]);
        Assert.Equal(2, flows.Count);
        FlowRecord f = flows.Single(x => x.SrcPort == 5353);
        Assert.Equal(2, f.SrcPackets);
        Assert.Null(flows.Single(x => x.SrcPort != 5353).SrcPort);
    }

    [Fact]
    public void VLAN_is_part_of_the_key_and_ICMP_keys_on_type_and_code()
    {
        var pk = new List<(long, DecodedPacket)>
        {
            (0, Udp(C, 1, Sv, 2, vlan: 10)),
            (1, Udp(C, 1, Sv, 2, vlan: 20)),
            (2, Icmp(C, Sv, 8, 0)),   // echo request
            (3, Icmp(Sv, C, 0, 0)),   // echo reply: same flow
            (4, Icmp(Sv, C, 3, 3)),   // port unreachable: one-way, own flow
            (5, Icmp("fe80::1", "fe80::2", 135, 0)), // neighbour solicitation
            (6, Icmp("fe80::2", "fe80::1", 136, 0)), // advertisement: same flow
        };
        var flows = SinglePass(pk);
        Assert.Equal(5, flows.Count);
        Assert.Equal([10, 20], flows.Where(f => f.IpProto == 17).Select(f => f.Vlan!.Value).Order());
        FlowRecord echo = flows.Single(f => f.IpProto == 1 && f.SrcPort == 8);
        Assert.Equal((1, 1), (echo.SrcPackets, echo.DstPackets));
        Assert.Equal(IpAddress16.Parse(C), echo.SrcIP);
        FlowRecord nd = flows.Single(f => f.IpProto == 58);
        Assert.Equal((1, 1), (nd.SrcPackets, nd.DstPackets));
    }

    [Fact]
    public void Flow_ids_are_deterministic()
    {
        var pk = Handshake(123456789);
        Assert.Equal(Lines(SinglePass(pk)), Lines(SinglePass(pk)));
        Assert.Matches("^[0-9a-f]{32}$", SinglePass(pk)[0].FlowId);
    }

    [Fact]
    public void A_reordered_packet_earlier_than_the_first_moves_first_seen_back()
    {
        // Reordering across capture CPUs or merged taps: the server's reply to a SYN stamped before the SYN itself.
        // Zeek and YAF report the earliest packet time as the flow's start; so do we, in one pass and stitched.
        var pk = new List<(long, DecodedPacket)>
        {
            (10 * S, Tcp(C, 40000, Sv, 80, Ack, payload: 10)),
            (10 * S + 2, Tcp(C, 40000, Sv, 80, Ack, payload: 20)),
            (10 * S - 5, Tcp(Sv, 80, C, 40000, Ack, payload: 30)),
            (10 * S + 4, Tcp(C, 40000, Sv, 80, Ack)),
        };
        FlowRecord f = Assert.Single(SinglePass(pk));
        Assert.Equal(10 * S - 5, f.FirstSeenNanos);
        Assert.Equal(10 * S + 4, f.LastSeenNanos);
        Assert.Equal((3, 1), (f.SrcPackets, f.DstPackets));
        Assert.Equal(IpAddress16.Parse(C), f.SrcIP); // the first packet in file order still names the originator
        foreach (int[] cuts in new[] { new[] { 1 }, new[] { 2 }, new[] { 3 }, new[] { 1, 2, 3 } })
        {
            Assert.Equal(Lines(SinglePass(pk, cuts: cuts), withFiles: true), Lines(Stitched(pk, cuts), withFiles: true));
        }
    }
}
