using System.Reflection;
using System.Runtime.InteropServices;
using PcapStream.Decoding;
using PcapStream.Readers;
using PcapStream.Tests.Support;

namespace PcapStream.Tests.Decoding;

/// <summary>
/// The Ethernet/IPv4/TCP|UDP fast path must give exactly what the general layer walk gives (which the oracle tests
/// hold to tshark): same value in every field, whatever the packet held before, on every corpus frame and on
/// mutations of the bytes the fast path reads. A field added to <see cref="DecodedPacket"/> and forgotten by the fast
/// path fails here, named.
/// </summary>
public sealed class FastPathTests
{
    private static readonly FieldInfo[] Fields = typeof(DecodedPacket).GetFields(BindingFlags.Public | BindingFlags.Instance);

    [Fact]
    public void Fast_path_equals_the_layer_walk_on_every_corpus_frame()
    {
        string root = SharedData.Require("pcaps");
        long frames = 0, fast = 0;
        foreach (string file in Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories))
        {
            if (file.Contains("/oracle/", StringComparison.Ordinal) || file.EndsWith(".md", StringComparison.Ordinal))
            {
                continue;
            }
            try
            {
                using CaptureReader reader = CaptureReader.Open(file);
                while (reader.TryRead(out CaptureRecord record))
                {
                    frames++;
                    if (Compare(record.Data, record.LinkType, record.OriginalLength, file, record.FrameNumber))
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
        // The corpus is mostly Ethernet/IPv4 TCP and UDP: if the fast path takes few of them, it is not working.
        Assert.True(fast > frames / 3, $"fast path took {fast} of {frames} frames");
    }

    [Fact]
    public void Fast_path_equals_the_layer_walk_on_every_prefix_and_on_mutated_header_bytes()
    {
        var random = new Random(7);
        int compared = 0;
        foreach (string capture in new[] { "ethernet/simple_http.pcap", "ethernet/test_dns.pcap", "tunnels/vxlan.pcap", "vlan/mqtt.pcap" })
        {
            string path = SharedData.Require("pcaps/" + capture);
            using CaptureReader reader = CaptureReader.Open(path);
            while (reader.TryRead(out CaptureRecord record))
            {
                byte[] frame = record.Data.ToArray();
                for (int length = 0; length <= Math.Min(frame.Length, 64); length++)
                {
                    Compare(frame.AsSpan(0, length), record.LinkType, frame.Length, capture, record.FrameNumber);
                    compared++;
                }
                // Every byte the fast path reads or checks (Ethernet type, IPv4 header, TCP/UDP header), set to
                // the values that sit on its decision edges and to random ones.
                for (int at = 12; at < Math.Min(frame.Length, 54); at++)
                {
                    byte original = frame[at];
                    foreach (byte value in new byte[] { 0, 0xFF, 0x45, 0x06, 0x11, 0x08, 0x40, 0x20, (byte)random.Next(256), (byte)(original ^ 1) })
                    {
                        frame[at] = value;
                        Compare(frame, record.LinkType, frame.Length, capture, record.FrameNumber);
                        compared++;
                    }
                    frame[at] = original;
                }
            }
        }
        Assert.True(compared > 1000, $"only {compared} variants compared");
    }

    /// <summary>Decodes through <see cref="PacketDecoder.Decode"/> into a packet full of junk and through the walk into a
    /// fresh one; asserts every field equal. Returns true when the fast path took the frame.</summary>
    private static bool Compare(ReadOnlySpan<byte> frame, int linkType, int wireLength, string file, long frameNumber)
    {
        DecodedPacket viaDecode = Junk();
        PacketDecoder.Decode(frame, linkType, wireLength, ref viaDecode);
        DecodedPacket viaWalk = Junk();
        PacketDecoder.DecodeLayers(frame, linkType, wireLength, ref viaWalk);
        foreach (FieldInfo field in Fields)
        {
            object? expected = field.GetValue(viaWalk), actual = field.GetValue(viaDecode);
            if (!Equals(expected, actual))
            {
                Assert.Fail($"{Path.GetFileName(file)} frame {frameNumber} ({frame.Length} bytes): {field.Name} is {actual}, the layer walk says {expected}");
            }
        }
        DecodedPacket probe = Junk();
        return linkType == 1 && PacketDecoder.TryDecodeEthernetIPv4(frame, wireLength, ref probe);
    }

    /// <summary>A packet whose every byte is 0xA5: a field the decoder forgets to write keeps a value no decode gives.</summary>
    private static DecodedPacket Junk()
    {
        DecodedPacket p = default;
        MemoryMarshal.AsBytes(new Span<DecodedPacket>(ref p)).Fill(0xA5);
        return p;
    }
}
