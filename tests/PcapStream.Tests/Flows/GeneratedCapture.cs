using PcapStream.Decoding;
using PcapStream.Flows;
using PcapStream.Readers;
using static PcapStream.Tests.Decoding.Frames;

namespace PcapStream.Tests.Flows;

/// <summary>
/// Makes real capture files for flow tests: each call appends one Ethernet frame (optionally 802.1Q-tagged)
/// carrying IPv4 or IPv6 (chosen by the source address) and TCP, UDP or ICMP, built byte by byte with the
/// decoder tests' <see cref="Decoding.Frames"/> helpers; <see cref="Write"/> stores them with
/// <see cref="PcapWriter"/> (nanosecond pcap, in call order, which need not be time order). The files then go
/// through the real reader, decoder and flow engine (<see cref="Flows"/>).
/// </summary>
internal sealed class GeneratedCapture
{
    public const long S = 1_000_000_000L;
    private readonly List<(long T, byte[] Frame)> _frames = [];

    public int Count => _frames.Count;

    /// <summary>A TCP segment; <paramref name="flags"/> are letters S A F R P (e.g. "SA" for a SYN-ACK).</summary>
    public GeneratedCapture Tcp(long t, string src, int sp, string dst, int dp, string flags, uint seq = 1000, int payload = 0, int vlan = -1)
    {
        int f = 0;
        foreach (char c in flags)
        {
            f |= c switch { 'F' => 0x01, 'S' => 0x02, 'R' => 0x04, 'P' => 0x08, 'A' => 0x10, _ => throw new ArgumentException(flags) };
        }
        return Ip(t, 6, src, dst, Decoding.Frames.Tcp(sp, dp, seq, 0, f, new byte[payload]), vlan);
    }

    public GeneratedCapture Udp(long t, string src, int sp, string dst, int dp, int payload = 20, int vlan = -1) =>
        Ip(t, 17, src, dst, Decoding.Frames.Udp(sp, dp, new byte[payload]), vlan);

    public GeneratedCapture Icmp(long t, string src, string dst, byte type, byte code = 0) =>
        Ip(t, src.Contains(':', StringComparison.Ordinal) ? (byte)58 : (byte)1, src, dst, Decoding.Frames.Icmp(type, code, new byte[32]), -1);

    /// <summary>An IPv4 fragment of a UDP datagram: offset 0 carries the UDP header, later ones only data.</summary>
    public GeneratedCapture Fragment(long t, string src, string dst, ushort ipId, int offsetBytes, bool more, byte[] body) =>
        Frame(t, Ethernet(0x0800, IPv4(17, src, dst, body, id: ipId, fragmentField: (more ? 0x2000 : 0) | (offsetBytes / 8))));

    public GeneratedCapture Frame(long t, byte[] frame)
    {
        _frames.Add((t, frame));
        return this;
    }

    private GeneratedCapture Ip(long t, byte proto, string src, string dst, byte[] l4, int vlan)
    {
        bool v6 = src.Contains(':', StringComparison.Ordinal);
        byte[] ip = v6 ? IPv6(proto, src, dst, l4) : IPv4(proto, src, dst, l4);
        int type = v6 ? 0x86dd : 0x0800;
        return Frame(t, vlan >= 0 ? Ethernet(0x8100, Vlan(vlan, type, ip)) : Ethernet(type, ip));
    }

    /// <summary>Writes frames [from, to) as one pcap file.</summary>
    public string Write(string path, int from = 0, int to = -1, bool nanosecond = true)
    {
        using PcapWriter w = PcapWriter.Create(path, 1, nanosecond);
        for (int i = from; i < (to < 0 ? _frames.Count : to); i++)
        {
            w.Write(_frames[i].T, _frames[i].Frame);
        }
        return path;
    }

    /// <summary>One pass over the files as one capture stream: reader, decoder, <see cref="FlowTracker"/>.</summary>
    public static List<FlowRecord> Flows(IReadOnlyList<string> files, FlowSettings? settings = null, FlowTracker? tracker = null, List<FlowRecord>? ended = null)
    {
        ended ??= [];
        tracker ??= new FlowTracker(settings ?? new FlowSettings(), "s1", ended);
        var p = new DecodedPacket();
        foreach (string file in files)
        {
            tracker.BeginFile(Path.GetFileName(file));
            using CaptureReader reader = CaptureReader.Open(file);
            while (reader.TryRead(out CaptureRecord r))
            {
                PacketDecoder.Decode(r.Data, r.LinkType, r.OriginalLength, ref p);
                tracker.Add(p, r.TimestampNanos);
            }
        }
        tracker.Flush();
        return ended;
    }

    /// <summary>
    /// Each file built on its own (<see cref="FileFlowBuilder"/>), then stitched in order. With
    /// <paramref name="frames"/> the builder is given the raw frames as the streaming job gives them without packet
    /// rows (its own fast path, the decoder only for other frames); <paramref name="logged"/> and
    /// <paramref name="replayed"/> sum the head-run packets kept and those the stitcher replayed.
    /// </summary>
    public static List<FlowRecord> Stitched(IReadOnlyList<string> files, FlowSettings? settings = null, bool frames = false)
        => Stitched(files, out _, out _, settings, frames);

    /// <inheritdoc cref="Stitched(IReadOnlyList{string}, FlowSettings?, bool)"/>
    public static List<FlowRecord> Stitched(IReadOnlyList<string> files, out long logged, out long replayed, FlowSettings? settings = null, bool frames = false)
    {
        settings ??= new FlowSettings();
        var ended = new List<FlowRecord>();
        var stitcher = new FlowStitcher(settings, "s1");
        var p = new DecodedPacket();
        logged = replayed = 0;
        foreach (string file in files)
        {
            var builder = new FileFlowBuilder(settings, Path.GetFileName(file));
            using (CaptureReader reader = CaptureReader.Open(file))
            {
                while (reader.TryRead(out CaptureRecord r))
                {
                    if (frames)
                    {
                        builder.Add(r.Data, r.LinkType, r.OriginalLength, r.TimestampNanos, ref p, decode: false);
                        continue;
                    }
                    PacketDecoder.Decode(r.Data, r.LinkType, r.OriginalLength, ref p);
                    builder.Add(p, r.TimestampNanos);
                }
            }
            FileFlowSegments segments = builder.Complete();
            stitcher.Add(segments, ended);
            logged += segments.LoggedPackets;
            replayed += segments.ReplayedPackets;
        }
        stitcher.Flush(ended);
        return ended;
    }

    /// <summary>
    /// Writes the capture to <paramref name="dir"/> as one file and flows it; also writes it as one file per
    /// packet (the harshest rotation) and checks that building those separately and stitching gives the same
    /// flows. Returns the flows ordered by first packet time.
    /// </summary>
    public List<FlowRecord> Run(string dir, FlowSettings? settings = null)
    {
        var whole = Flows([Write(Path.Combine(dir, "whole.pcap"))], settings);
        var pieces = new List<string>();
        for (int i = 0; i < _frames.Count; i++)
        {
            pieces.Add(Write(Path.Combine(dir, $"piece{i:D5}.pcap"), i, i + 1));
        }
        Assert.Equal(Pkt.Lines(whole), Pkt.Lines(Stitched(pieces, settings)));
        return [.. whole.OrderBy(f => f.FirstSeenNanos).ThenBy(f => f.FlowId, StringComparer.Ordinal)];
    }
}
