using PcapStream.Decoding;
using PcapStream.Flows;

namespace PcapStream.Tests.Flows;

/// <summary>
/// Builds decoded packets by hand (what the decoder would produce), for flow tests that control every field and
/// timestamp, and runs them through the single-pass tracker or the per-file builder + stitcher.
/// </summary>
internal static class Pkt
{
    public const long S = 1_000_000_000L;
    public const ushort Fin = 0x01, Syn = 0x02, Rst = 0x04, Psh = 0x08, Ack = 0x10;

    public static DecodedPacket Tcp(string src, ushort sp, string dst, ushort dp, ushort flags, int payload = 0, uint seq = 1000, int vlan = -1)
    {
        DecodedPacket p = Ip(src, dst, 6, 40 + payload, vlan);
        p.HasPorts = true;
        p.SrcPort = sp;
        p.DstPort = dp;
        p.HasTcp = true;
        p.TcpFlags = flags;
        p.TcpSeq = seq;
        p.PayloadLength = payload;
        return p;
    }

    public static DecodedPacket Udp(string src, ushort sp, string dst, ushort dp, int payload = 20, int vlan = -1)
    {
        DecodedPacket p = Ip(src, dst, 17, 28 + payload, vlan);
        p.HasPorts = true;
        p.SrcPort = sp;
        p.DstPort = dp;
        p.HasUdp = true;
        p.PayloadLength = payload;
        return p;
    }

    public static DecodedPacket Icmp(string src, string dst, byte type, byte code)
    {
        IpAddress16 s = IpAddress16.Parse(src);
        DecodedPacket p = Ip(src, dst, s.IsIPv4 ? (byte)1 : (byte)58, 28);
        p.HasIcmp = true;
        p.IcmpType = type;
        p.IcmpCode = code;
        return p;
    }

    public static DecodedPacket Ip(string src, string dst, byte proto, int ipLength, int vlan = -1)
    {
        var p = new DecodedPacket();
        p.Reset();
        p.LinkType = 1;
        p.Src = IpAddress16.Parse(src);
        p.Dst = IpAddress16.Parse(dst);
        p.IpVersion = p.Src.IsIPv4 ? (byte)4 : (byte)6;
        p.OuterIpVersion = p.IpVersion;
        p.IpProto = proto;
        p.IpLength = ipLength;
        p.WireLength = ipLength + 14 + (vlan >= 0 ? 4 : 0);
        p.CapturedLength = p.WireLength;
        p.Vlan = vlan;
        p.VlanCount = vlan >= 0 ? (byte)1 : (byte)0;
        return p;
    }

    /// <summary>One pass over all packets (the reference).</summary>
    public static List<FlowRecord> SinglePass(IReadOnlyList<(long T, DecodedPacket P)> packets, FlowSettings? settings = null,
        IReadOnlyList<int>? cuts = null)
    {
        var ended = new List<FlowRecord>();
        var tracker = new FlowTracker(settings ?? new FlowSettings(), "s1", ended);
        tracker.BeginFile("f0.pcap");
        int next = 0;
        for (int i = 0; i < packets.Count; i++)
        {
            // Same file names as Stitched so the files column can be compared too.
            while (cuts is not null && next < cuts.Count && cuts[next] == i)
            {
                tracker.BeginFile($"f{++next}.pcap");
            }
            tracker.Add(packets[i].P, packets[i].T);
        }
        tracker.Flush();
        return ended;
    }

    /// <summary>
    /// Cuts the packets into files at the given packet indexes, builds each file separately, stitches them in
    /// order; with <paramref name="checkpoint"/> the stitcher's state goes through WriteTo/ReadFrom after every file.
    /// </summary>
    public static List<FlowRecord> Stitched(IReadOnlyList<(long T, DecodedPacket P)> packets, IReadOnlyList<int> cuts,
        FlowSettings? settings = null, bool checkpoint = false)
    {
        settings ??= new FlowSettings();
        var ended = new List<FlowRecord>();
        var stitcher = new FlowStitcher(settings, "s1");
        int start = 0;
        for (int f = 0; f <= cuts.Count; f++)
        {
            int end = f < cuts.Count ? cuts[f] : packets.Count;
            var builder = new FileFlowBuilder(settings, $"f{f}.pcap");
            for (int i = start; i < end; i++)
            {
                builder.Add(packets[i].P, packets[i].T);
            }
            stitcher.Add(builder.Complete(), ended);
            if (checkpoint)
            {
                using var ms = new MemoryStream();
                stitcher.SaveState().WriteTo(ms);
                ms.Position = 0;
                stitcher = new FlowStitcher(settings, "s1", FlowState.ReadFrom(ms));
            }
            start = end;
        }
        stitcher.Flush(ended);
        return ended;
    }

    /// <summary>Every field of a record as one comparable line (files excluded unless asked).</summary>
    public static string Line(FlowRecord r, bool withFiles = false) =>
        $"{r.FlowId} {r.CommunityId} {r.FirstSeenNanos} {r.LastSeenNanos} {r.SrcIP}:{r.SrcPort} {r.DstIP}:{r.DstPort} p{r.IpProto} v{r.Vlan} " +
        $"{r.SrcPackets}/{r.DstPackets} {r.SrcBytes}/{r.DstBytes} {r.SrcIpBytes}/{r.DstIpBytes} {r.SrcPayloadBytes}/{r.DstPayloadBytes} " +
        $"{r.TcpFlagsSrc:x}/{r.TcpFlagsDst:x} {r.ConnState} {r.EndReason}" + (withFiles ? " " + string.Join(",", r.Files) : "");

    public static List<string> Lines(IEnumerable<FlowRecord> records, bool withFiles = false) =>
        records.Select(r => Line(r, withFiles)).Order(StringComparer.Ordinal).ToList();
}
