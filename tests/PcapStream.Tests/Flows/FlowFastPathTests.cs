using System.Reflection;
using PcapStream.Decoding;
using PcapStream.Flows;
using PcapStream.Readers;
using PcapStream.Tests.Support;

namespace PcapStream.Tests.Flows;

/// <summary>
/// The flow engine's fast path (frame bytes straight to key + packet, <see cref="FlowFastPath"/>) must be invisible:
/// it takes exactly the frames the decoder's fast path takes, and gives the key, hash, direction and counters that
/// decoding the frame and building them from the <see cref="DecodedPacket"/> gives (which the tshark conversation
/// tests hold). Checked on every corpus frame, every prefix, mutated header bytes, and as whole record lists.
/// </summary>
public sealed class FlowFastPathTests
{
    private static readonly FieldInfo[] PacketFields = typeof(FlowPacket).GetFields(BindingFlags.Public | BindingFlags.Instance);

    [Fact]
    public void Fast_path_gives_the_decoders_key_and_packet_on_every_corpus_frame()
    {
        long frames = 0, fast = 0;
        var counts = new Counts();
        foreach (string file in CorpusFiles())
        {
            try
            {
                using CaptureReader reader = CaptureReader.Open(file);
                while (reader.TryRead(out CaptureRecord record))
                {
                    frames++;
                    if (Compare(record.Data, record.LinkType, record.OriginalLength, record.TimestampNanos, file, record.FrameNumber, counts))
                    {
                        fast++;
                    }
                }
            }
            catch (CaptureFormatException)
            {
                // Damaged captures (pcaps/broken): the frames before the damage were compared.
            }
        }
        Assert.True(frames > 5000, $"only {frames} corpus frames");
        Assert.True(fast > frames / 3, $"the flow fast path took {fast} of {frames} frames");
        Assert.True(counts.IPv6 >= 10, $"the flow fast path took {counts.IPv6} IPv6 frames");
    }

    [Fact]
    public void Fast_path_agrees_with_the_decoder_on_every_prefix_and_on_mutated_header_bytes()
    {
        var random = new Random(11);
        int compared = 0, fast = 0;
        foreach (string capture in new[] { "ethernet/simple_http.pcap", "ethernet/test_dns.pcap", "tunnels/vxlan.pcap", "vlan/mqtt.pcap", "ipv4/dns_fragmented.pcap" })
        {
            string path = SharedData.Require("pcaps/" + capture);
            using CaptureReader reader = CaptureReader.Open(path);
            while (reader.TryRead(out CaptureRecord record))
            {
                byte[] frame = record.Data.ToArray();
                for (int length = 0; length <= Math.Min(frame.Length, 80); length++)
                {
                    fast += Compare(frame.AsSpan(0, length), 1, frame.Length, record.TimestampNanos, capture, record.FrameNumber) ? 1 : 0;
                    compared++;
                }
                // Every header byte the fast path reads or checks (IPv4 and IPv6), set to decision-edge values and
                // random ones; the ports also to the tunnel ports (4789 VXLAN, 6081 Geneve, 2152 GTP-U, 3544 Teredo).
                for (int at = 12; at < Math.Min(frame.Length, 74); at++)
                {
                    byte original = frame[at];
                    foreach (byte value in new byte[] { 0, 0xFF, 0x45, 0x06, 0x11, 0x08, 0x40, 0x20, 0x12, 0xB5, 0x17, 0xC1, 0x68, 0x0D, 0xD8, 0x86, 0xDD, 0x60, 0x50, (byte)random.Next(256), (byte)(original ^ 1) })
                    {
                        frame[at] = value;
                        fast += Compare(frame, 1, frame.Length, record.TimestampNanos, capture, record.FrameNumber) ? 1 : 0;
                        compared++;
                    }
                    frame[at] = original;
                }
            }
        }
        Assert.True(compared > 1000 && fast > compared / 10, $"{compared} variants compared, {fast} taken by the fast path");
    }

    [Fact]
    public void Feeding_files_gives_the_same_records_as_decoding_every_packet()
    {
        int captures = 0;
        long records = 0;
        foreach (string file in CorpusFiles())
        {
            List<FlowRecord> viaDecoder, viaFeed;
            try
            {
                viaDecoder = GeneratedCapture.Flows([file]);
                viaFeed = [];
                var tracker = new FlowTracker(new FlowSettings(), "s1", viaFeed);
                FlowFeed.Feed(tracker, file, null);
                tracker.Flush();
            }
            catch (CaptureFormatException)
            {
                continue; // damaged captures: their reading is tested elsewhere
            }
            captures++;
            records += viaDecoder.Count;
            Assert.Equal(viaDecoder.Count, viaFeed.Count);
            for (int i = 0; i < viaDecoder.Count; i++)
            {
                // Files differ only in how each loop names them (file name vs path).
                Assert.Equal(Describe(viaDecoder[i]), Describe(viaFeed[i]));
            }
        }
        Assert.True(captures > 20 && records > 300, $"{captures} captures, {records} records");
    }

    /// <summary>
    /// Asserts the fast path takes every frame the decoder's fast path takes, and that whatever it takes gets the
    /// key, hash and packet the decoder's result gives. Returns true when it took the frame.
    /// </summary>
    private static bool Compare(ReadOnlySpan<byte> frame, int linkType, int wireLength, long time, string file, long frameNumber, Counts? counts = null)
    {
        var probe = new DecodedPacket();
        bool decoderFast = linkType == 1 && PacketDecoder.TryDecodeEthernetIPv4(frame, wireLength, ref probe);
        bool flowFast = linkType == 1 && FlowFastPath.TryEthernet(frame, wireLength, time, out FlowKey key, out int hash, out FlowPacket packet)
            ? true : Fail(out key, out hash, out packet);
        string where = $"{Path.GetFileName(file)} frame {frameNumber} ({frame.Length} bytes)";
        Assert.True(!decoderFast || flowFast, $"{where}: the decoder's fast path takes it, the flow fast path does not");
        if (!flowFast)
        {
            return false;
        }
        var decoded = new DecodedPacket();
        PacketDecoder.Decode(frame, linkType, wireLength, ref decoded);
        Assert.False(decoded.IsFragment, $"{where}: a fragment taken by the flow fast path");
        int dir = FlowKey.FromPacket(decoded, out FlowKey expectedKey);
        Assert.True(dir >= 0, $"{where}: taken by the flow fast path, but the decoder found no IP header");
        FlowPacket expected = FlowPacket.From(decoded, time, dir);
        Assert.True(expectedKey.Equals(key), $"{where}: key {key}, the decoder's {expectedKey}");
        Assert.True(expectedKey.Hash() == hash, $"{where}: hash {hash}, the key's {expectedKey.Hash()}");
        foreach (FieldInfo field in PacketFields)
        {
            object? want = field.GetValue(expected), got = field.GetValue(packet);
            Assert.True(Equals(want, got), $"{where}: {field.Name} is {got}, from the decoded packet {want}");
        }
        if (counts is not null && !key.IsIPv4)
        {
            counts.IPv6++;
        }
        return true;
    }

    private sealed class Counts
    {
        public int IPv6;
    }

    private static bool Fail(out FlowKey key, out int hash, out FlowPacket packet)
    {
        key = default;
        hash = 0;
        packet = default;
        return false;
    }

    private static string Describe(FlowRecord r) =>
        $"{r.FlowId} {r.CommunityId} {r.FirstSeenNanos} {r.LastSeenNanos} {r.IpVersion} {r.IpProto} {r.SrcIP}:{r.SrcPort} " +
        $"{r.DstIP}:{r.DstPort} vlan {r.Vlan} pkts {r.SrcPackets}/{r.DstPackets} bytes {r.SrcBytes}/{r.DstBytes} " +
        $"ip {r.SrcIpBytes}/{r.DstIpBytes} payload {r.SrcPayloadBytes}/{r.DstPayloadBytes} flags {r.TcpFlagsSrc}/{r.TcpFlagsDst} " +
        $"{r.ConnState} {r.EndReason} files {r.Files.Count}";

    private static IEnumerable<string> CorpusFiles()
    {
        string root = SharedData.Require("pcaps");
        foreach (string file in Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            if (!file.Contains("/oracle/", StringComparison.Ordinal) && !file.EndsWith(".md", StringComparison.Ordinal))
            {
                yield return file;
            }
        }
    }
}
