using PcapStream.Decoding;
using PcapStream.Readers;
using PcapStream.Tests.Support;

namespace PcapStream.Tests.Decoding;

/// <summary>Packet bytes never throw: every prefix of every corpus frame, and seeded random corruption of them.</summary>
public sealed class RobustnessTests
{
    private static readonly string[] Captures =
    [
        "tunnels/various_gre.pcap", "tunnels/erspan-type-ii-2.pcap", "tunnels/geneve.pcap", "tunnels/teredo.pcap",
        "tunnels/ja3_lots_of_cipher_suites_2_anon.pcap", "ipv6/ipv6_ext_headers.pcap", "ipv6/ipv6-srh-ext-header.pcap",
        "pppoe/dns.pcap", "mpls/arista_ether.pcap", "linktypes/http_PPI.pcap", "linktypes/ieee802.11_htc.pcap",
        "pcap-format/pptp.pcap", "linktypes/babel.pcap",
    ];

    [Fact]
    public void Every_prefix_and_random_corruption_of_corpus_frames_decodes_without_throwing()
    {
        var random = new Random(20260101);
        long decoded = 0;
        foreach (string capture in Captures)
        {
            using CaptureReader reader = CaptureReader.Open(SharedData.Require("pcaps/" + capture));
            while (reader.TryRead(out CaptureRecord record))
            {
                byte[] frame = record.Data.ToArray();
                for (int length = 0; length <= frame.Length; length++)
                {
                    Check(frame.AsSpan(0, length), record.LinkType, frame.Length);
                    decoded++;
                }
                for (int round = 0; round < 50; round++)
                {
                    byte[] mutated = (byte[])frame.Clone();
                    for (int k = random.Next(1, 4); k > 0 && mutated.Length > 0; k--)
                    {
                        mutated[random.Next(mutated.Length)] = (byte)random.Next(256);
                    }
                    Check(mutated, record.LinkType, mutated.Length);
                    decoded++;
                }
            }
        }
        Assert.True(decoded > 10_000, $"only {decoded} variants decoded");
    }

    /// <summary>Decodes and checks the invariants a consumer relies on (offsets inside the frame, ports only with IP).</summary>
    private static void Check(ReadOnlySpan<byte> frame, int linkType, int wireLength)
    {
        DecodedPacket p = default;
        PacketDecoder.Decode(frame, linkType, wireLength, ref p);
        Assert.InRange(p.IpOffset, -1, frame.Length);
        Assert.InRange(p.TransportOffset, -1, frame.Length);
        Assert.True(p.PayloadLength >= 0);
        if (p.HasPorts)
        {
            Assert.True(p.IpVersion is 4 or 6, "ports without an IP header");
        }
        if (p.IpOffset >= 0)
        {
            Assert.True(p.IpVersion is 4 or 6);
        }
    }
}
