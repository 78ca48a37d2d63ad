using PcapStream.Decoding;
using PcapStream.Flows;
using static PcapStream.Tests.Flows.Pkt;

namespace PcapStream.Tests.Flows;

/// <summary>
/// Per-file builders + the stitcher must give exactly the flows of one pass over the whole stream, wherever
/// the files are cut. The stream here is generated (seeded, so reproducible): about 400 conversations over two
/// hours with every rule in play across cuts — TCP handshakes closed by FIN or RST with late packets in the
/// grace period, port reuse with a new ISN, UDP with gaps either side of the idle timeout, ICMP, and one UDP
/// keep-alive flow every 5 s for the whole two hours, which spans every piece and is cut by the active timeout.
/// </summary>
public class StitchingTests
{
    internal static List<(long T, DecodedPacket P)> Stream(int seed)
    {
        var rng = new Random(seed);
        var pk = new List<(long T, DecodedPacket P)>();
        const long span = 7200 * S;
        for (long t = 0; t < span; t += 5 * S)
        {
            pk.Add((t + 17, rng.Next(3) == 0 ? Udp("192.0.2.9", 4500, "192.0.2.1", 4500) : Udp("192.0.2.1", 4500, "192.0.2.9", 4500)));
        }
        for (int c = 0; c < 400; c++)
        {
            long t = (long)(rng.NextDouble() * span);
            string cl = $"10.1.{rng.Next(4)}.{rng.Next(1, 30)}", sv = $"10.2.0.{rng.Next(1, 4)}";
            ushort port = (ushort)(30000 + rng.Next(50)); // few ports: keys get reused across the stream
            switch (rng.Next(4))
            {
                case 0 or 1:
                {
                    uint isn = (uint)rng.Next();
                    long step = (long)(rng.NextDouble() * (rng.Next(5) == 0 ? 400 : 3) * S);
                    pk.Add((t, Tcp(cl, port, sv, 443, Syn, seq: isn)));
                    pk.Add((t += step, Tcp(sv, 443, cl, port, (ushort)(Syn | Ack))));
                    for (int i = 0, n = rng.Next(12); i < n; i++)
                    {
                        pk.Add((t += step, rng.Next(2) == 0 ? Tcp(cl, port, sv, 443, (ushort)(Psh | Ack), 100 * i) : Tcp(sv, 443, cl, port, Ack, 10)));
                    }
                    if (rng.Next(3) == 0)
                    {
                        pk.Add((t += step, Tcp(sv, 443, cl, port, Rst)));
                    }
                    else
                    {
                        pk.Add((t += step, Tcp(cl, port, sv, 443, (ushort)(Fin | Ack))));
                        pk.Add((t += step, Tcp(sv, 443, cl, port, (ushort)(Fin | Ack))));
                    }
                    pk.Add((t + (long)(rng.NextDouble() * 8 * S), Tcp(cl, port, sv, 443, Ack))); // late or new
                    if (rng.Next(4) == 0)
                    {
                        pk.Add((t + S, Tcp(cl, port, sv, 443, Syn, seq: isn + 99999))); // port reuse in the grace
                    }
                    break;
                }
                case 2:
                    for (int i = 0, n = rng.Next(1, 8); i < n; i++)
                    {
                        pk.Add((t += (long)(rng.NextDouble() * 90 * S), rng.Next(2) == 0 ? Udp(cl, port, sv, 53) : Udp(sv, 53, cl, port)));
                    }
                    break;
                default:
                    pk.Add((t, Icmp(cl, sv, 8, 0)));
                    pk.Add((t + S / 1000, Icmp(sv, cl, 0, 0)));
                    break;
            }
        }
        return pk.OrderBy(x => x.T).ToList(); // stable: equal times keep generation order
    }

    private static List<int> Cuts(int count, int pieces, int seed)
    {
        var rng = new Random(seed);
        var cuts = new SortedSet<int>();
        while (cuts.Count < pieces - 1)
        {
            cuts.Add(rng.Next(1, count));
        }
        return [.. cuts];
    }

    [Theory]
    [InlineData(2, false)]
    [InlineData(7, false)]
    [InlineData(50, false)]
    [InlineData(7, true)]
    [InlineData(50, true)]
    public void Cutting_the_stream_into_files_gives_exactly_the_flows_of_one_pass(int pieces, bool checkpointEveryFile)
    {
        var pk = Stream(42);
        List<int> cuts = Cuts(pk.Count, pieces, pieces);
        var whole = SinglePass(pk, cuts: cuts);
        var stitched = Stitched(pk, cuts, checkpoint: checkpointEveryFile);

        // Sanity: the stream exercises what it claims to.
        Assert.Contains(whole, f => f.EndReason == EndReason.Active);
        Assert.Contains(whole, f => f.EndReason == EndReason.Fin);
        Assert.Contains(whole, f => f.EndReason == EndReason.Rst);
        Assert.Contains(whole, f => f.EndReason == EndReason.Idle);
        int piecesWithKeepalive = Enumerable.Range(0, pieces).Count(f =>
            pk.Skip(f == 0 ? 0 : cuts[f - 1]).Take((f < cuts.Count ? cuts[f] : pk.Count) - (f == 0 ? 0 : cuts[f - 1]))
              .Any(x => x.P.SrcPort == 4500));
        Assert.True(piecesWithKeepalive > pieces * 3 / 4);
        Assert.Equal(piecesWithKeepalive, whole.Where(f => f.SrcPort == 4500).SelectMany(f => f.Files).Distinct().Count());
        Assert.Equal(pk.Count, whole.Sum(f => f.SrcPackets + f.DstPackets));

        Assert.Equal(Lines(whole, withFiles: true), Lines(stitched, withFiles: true));
    }

    [Fact]
    public void The_keepalive_flow_spans_every_one_of_50_files()
    {
        var pk = Stream(7);
        // 49 cuts spread evenly (with jitter) so every piece holds keep-alive packets.
        var rng = new Random(1);
        List<int> cuts = Enumerable.Range(1, 49).Select(i => i * pk.Count / 50 + rng.Next(-5, 5)).ToList();
        var stitched = Stitched(pk, cuts);
        var keepalive = stitched.Where(f => f.SrcPort == 4500).OrderBy(f => f.FirstSeenNanos).ToList();
        Assert.Equal(50, keepalive.SelectMany(f => f.Files).Distinct().Count());
        // 0..7195 s every 5 s: cut at 1800 s, 3605 s and 5410 s; the stream's other traffic runs past 7215 s,
        // so the fourth record ends by its active timeout too.
        Assert.Equal([EndReason.Active, EndReason.Active, EndReason.Active, EndReason.Active], keepalive.Select(f => f.EndReason));
        Assert.Equal([0L, 1805, 3610, 5415], keepalive.Select(f => f.FirstSeenNanos / S));
        Assert.Single(keepalive.Select(f => f.CommunityId).Distinct());
    }

    [Fact]
    public void Saved_state_survives_a_round_trip_and_rejects_garbage()
    {
        var pk = Stream(3);
        var settings = new FlowSettings();
        var builder = new FileFlowBuilder(settings, "a.pcap");
        foreach (var (t, p) in pk.Take(pk.Count / 2))
        {
            builder.Add(p, t);
        }
        var stitcher = new FlowStitcher(settings, "s1");
        stitcher.Add(builder.Complete(), []);
        using var ms = new MemoryStream();
        stitcher.SaveState().WriteTo(ms);
        ms.Position = 0;
        FlowState back = FlowState.ReadFrom(ms);
        Assert.Equal(stitcher.OpenFlows, back.OpenFlows);
        Assert.True(back.OpenFlows > 0);

        Assert.Throws<InvalidDataException>(() => FlowState.ReadFrom(new MemoryStream([1, 2, 3, 4, 5, 6, 7, 8])));
        byte[] cut = ms.ToArray()[..(int)(ms.Length / 2)];
        Assert.Throws<InvalidDataException>(() => FlowState.ReadFrom(new MemoryStream(cut)));
    }
}
