using System.Text;
using PcapStream.Decoding;
using PcapStream.Flows;

namespace PcapStream.Tests.Decoding;

/// <summary>
/// The batch Community ID (<see cref="CommunityId.FormatUtf8Batch"/>, multi-buffer SHA-1) gives exactly the
/// single-tuple results: the spec's baselines, mixed batches of every size around the lane counts, flow keys, through
/// the 8-lane, 4-lane and forced scalar paths.
/// </summary>
public sealed class CommunityIdBatchTests
{
    public static TheoryData<string, ushort, int> Baselines => new()
    {
        { "baseline_deflt.json", 0, 8 },
        { "baseline_deflt.json", 0, 4 },
        { "baseline_deflt.json", 0, 1 },
        { "baseline_seed1.json", 1, 8 },
        { "baseline_seed1.json", 1, 4 },
        { "baseline_seed1.json", 1, 1 },
    };

    /// <summary>
    /// Lanes of the forced path: 8 (Vector256, where accelerated; else it runs as 4), 4 (Vector128), 1 (scalar).
    /// </summary>
    public static TheoryData<int> LaneCounts => new() { 8, 4, 1 };

    [Theory]
    [MemberData(nameof(Baselines))]
    public void Every_baseline_row_is_reproduced_by_the_batch(string baseline, ushort seed, int lanes)
    {
        List<(CommunityIdTuple Tuple, string Expected)> rows = LoadBaseline(baseline);
        Assert.True(rows.Count >= 20, $"{baseline} has only {rows.Count} rows");
        CommunityIdTuple[] tuples = rows.Select(r => r.Tuple).ToArray();
        // All rows in one batch, then in chunks of every size 1..17 (partial lane groups, the scalar remainder).
        for (int chunk = 0; chunk <= 17; chunk++)
        {
            string[] actual = Batch(tuples, seed, lanes, chunk == 0 ? tuples.Length : chunk);
            for (int i = 0; i < rows.Count; i++)
            {
                Assert.True(rows[i].Expected == actual[i], $"{baseline} chunk {chunk}: {rows[i].Tuple} gave {actual[i]}, expected {rows[i].Expected}");
            }
        }
    }

    [Theory]
    [MemberData(nameof(LaneCounts))]
    public void Mixed_batches_of_every_size_equal_the_single_tuple_results(int lanes)
    {
        var random = new Random(7);
        for (int size = 1; size <= 17; size++)
        {
            for (int round = 0; round < 20; round++)
            {
                ushort seed = round % 4 == 3 ? (ushort)random.Next(65536) : (ushort)0;
                CommunityIdTuple[] tuples = Enumerable.Range(0, size).Select(_ => RandomTuple(random)).ToArray();
                string[] actual = Batch(tuples, seed, lanes, size);
                for (int i = 0; i < size; i++)
                {
                    CommunityIdTuple t = tuples[i];
                    string expected = CommunityId.Compute(t.Src, t.Dst, t.Proto, t.SrcPort, t.DstPort, t.HasPorts, t.IsIPv4, seed);
                    Assert.True(expected == actual[i], $"size {size} lane {i} seed {seed}: {t} gave {actual[i]}, expected {expected}");
                }
            }
        }
    }

    [Theory]
    [MemberData(nameof(LaneCounts))]
    public void Flow_key_tuples_give_the_flow_records_community_id(int lanes)
    {
        var random = new Random(11);
        var keys = new List<FlowKey>();
        while (keys.Count < 500)
        {
            CommunityIdTuple t = RandomTuple(random);
            DecodedPacket p = IpPacketOf(t);
            if (t.HasPorts && t.Proto is 1 or 58)
            {
                p.HasIcmp = true;
                p.IcmpType = (byte)t.SrcPort;
                p.IcmpCode = (byte)t.DstPort;
            }
            else if (t.HasPorts)
            {
                p.HasPorts = true;
                p.SrcPort = t.SrcPort;
                p.DstPort = t.DstPort;
            }
            FlowKey.FromPacket(in p, out FlowKey key);
            keys.Add(key);
        }
        CommunityIdTuple[] tuples = keys.Select(k => FlowIds.ToCommunityTuple(in k)).ToArray();
        string[] actual = Batch(tuples, 0, lanes, tuples.Length);
        for (int i = 0; i < keys.Count; i++)
        {
            Assert.True(FlowIds.CommunityId(keys[i]) == actual[i], $"{keys[i]} gave {actual[i]}");
        }
    }

    // A decoded packet with the tuple's IP layer (version, addresses, protocol); the caller sets the transport.
    private static DecodedPacket IpPacketOf(in CommunityIdTuple t)
    {
        var p = new DecodedPacket();
        p.Reset();
        p.IpVersion = t.IsIPv4 ? (byte)4 : (byte)6;
        p.Src = t.Src;
        p.Dst = t.Dst;
        p.IpProto = t.Proto;
        return p;
    }

    [Fact]
    public void A_decoded_packets_tuple_gives_its_utf8_community_id()
    {
        var random = new Random(3);
        Span<byte> text = stackalloc byte[CommunityId.MaxTextLength];
        Span<byte> batch = stackalloc byte[CommunityId.Base64TextLength];
        for (int i = 0; i < 200; i++)
        {
            CommunityIdTuple t = RandomTuple(random);
            DecodedPacket p = IpPacketOf(t);
            p.HasPorts = t.HasPorts;
            p.SrcPort = t.SrcPort;
            p.DstPort = t.DstPort;
            int n = CommunityId.TryFormatUtf8(in p, text);
            Assert.True(CommunityId.TryGetTuple(in p, out CommunityIdTuple tuple));
            CommunityId.FormatUtf8Batch([tuple], batch);
            Assert.Equal(Encoding.ASCII.GetString(text[..n]), Encoding.ASCII.GetString(batch));
        }
        var none = new DecodedPacket();
        none.Reset();
        Assert.False(CommunityId.TryGetTuple(in none, out _));
    }

    [Fact]
    public void The_batch_allocates_nothing_and_checks_the_destination_length()
    {
        var random = new Random(5);
        CommunityIdTuple[] tuples = Enumerable.Range(0, 37).Select(_ => RandomTuple(random)).ToArray();
        byte[] text = new byte[tuples.Length * CommunityId.Base64TextLength];
        CommunityId.FormatUtf8Batch(tuples, text); // warm up
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 10; i++)
        {
            CommunityId.FormatUtf8Batch(tuples, text);
        }
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);

        CommunityId.FormatUtf8Batch([], []);
        Assert.Throws<ArgumentException>(() => CommunityId.FormatUtf8Batch(tuples, new byte[text.Length - 1]));
    }

    /// <summary>Runs the batch over <paramref name="tuples"/> in chunks of <paramref name="chunk"/> and splits the text.</summary>
    private static string[] Batch(CommunityIdTuple[] tuples, ushort seed, int lanes, int chunk)
    {
        byte[] text = new byte[tuples.Length * CommunityId.Base64TextLength];
        for (int i = 0; i < tuples.Length; i += chunk)
        {
            int n = Math.Min(chunk, tuples.Length - i);
            CommunityId.FormatUtf8BatchCore(tuples.AsSpan(i, n), text.AsSpan(i * CommunityId.Base64TextLength), seed, lanes);
        }
        return Enumerable.Range(0, tuples.Length)
            .Select(i => Encoding.ASCII.GetString(text, i * CommunityId.Base64TextLength, CommunityId.Base64TextLength))
            .ToArray();
    }

    /// <summary>
    /// IPv4 or IPv6; TCP/UDP/SCTP with ports, ICMP/ICMPv6 with two-way and one-way types, protocols without ports,
    /// a later fragment (no ports); sometimes equal addresses (ordered by port) and addresses that differ only in
    /// their low bytes.
    /// </summary>
    private static CommunityIdTuple RandomTuple(Random random)
    {
        bool v4 = random.Next(2) == 0;
        IpAddress16 src = RandomAddress(random, v4), dst = RandomAddress(random, v4);
        switch (random.Next(4))
        {
            case 0:
                dst = src;
                break;
            case 1:
                dst = new IpAddress16(src.High, src.Low ^ (ulong)random.Next(1, 256));
                break;
        }
        ushort sp = (ushort)random.Next(65536), dp = (ushort)random.Next(65536);
        switch (random.Next(6))
        {
            case 0 or 1 or 2:
                return new CommunityIdTuple(src, dst, (byte)(random.Next(3) switch { 0 => 6, 1 => 17, _ => 132 }), sp, dp, true, v4);
            case 3:
                // ICMP on IPv4, ICMPv6 on IPv6; types around the two-way pairs and one-way errors.
                byte[] types = v4 ? [0, 3, 8, 9, 10, 11, 13, 14, 15, 16, 17, 18, 5] : [1, 3, 128, 129, 130, 131, 133, 134, 135, 136, 139, 140, 144, 145, 2];
                return new CommunityIdTuple(src, dst, v4 ? (byte)1 : (byte)58, types[random.Next(types.Length)], (ushort)random.Next(4), true, v4);
            case 4:
                return new CommunityIdTuple(src, dst, (byte)random.Next(256), 0, 0, false, v4); // e.g. RSVP, GRE
            default:
                return new CommunityIdTuple(src, dst, 6, 0, 0, false, v4); // a later fragment: TCP without ports
        }
    }

    private static IpAddress16 RandomAddress(Random random, bool v4) => v4
        ? IpAddress16.FromIPv4((uint)random.NextInt64(0, 1L << 32))
        : new IpAddress16((ulong)random.NextInt64(), (ulong)random.NextInt64());

    private static List<(CommunityIdTuple, string)> LoadBaseline(string name) =>
        CommunityIdTests.Load(name).Select(row => (row.ToTuple(), row.Expected)).ToList();
}
