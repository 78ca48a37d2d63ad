using PcapStream.Decoding;
using static PcapStream.Tests.Decoding.Frames;

namespace PcapStream.Tests.Decoding;

/// <summary>IPv4/IPv6 and transport rules: fragments, extension chains, malformed headers, truncation.</summary>
public sealed class IpLayerTests
{
    [Fact]
    public void Only_the_first_ipv4_fragment_has_ports_and_later_ones_keep_the_id()
    {
        byte[] first = Ethernet(0x0800, IPv4(17, "10.0.0.1", "10.0.0.2", Udp(1000, 53, new byte[100]), id: 77, fragmentField: 0x2000));
        DecodedPacket p1 = Decode(first);
        Assert.Equal((true, true, 0, true, (ushort)53, 77u), (p1.IsFragment, p1.MoreFragments, p1.FragmentOffset, p1.HasPorts, p1.DstPort, p1.IpId));
        byte[] later = Ethernet(0x0800, IPv4(17, "10.0.0.1", "10.0.0.2", new byte[100], id: 77, fragmentField: 0x000E)); // offset 14*8
        DecodedPacket p2 = Decode(later);
        Assert.Equal((true, false, 112, false, 77u, (byte)17), (p2.IsFragment, p2.MoreFragments, p2.FragmentOffset, p2.HasPorts, p2.IpId, p2.IpProto));
    }

    [Fact]
    public void Ipv4_options_move_the_transport_header()
    {
        byte[] frame = Ethernet(0x0800, IPv4(6, "10.0.0.1", "10.0.0.2", Tcp(1, 2, 3, 4, 0x010), options: [0x94, 4, 0, 0]));
        DecodedPacket p = Decode(frame);
        Assert.Equal((38, (ushort)2, 4u), (p.TransportOffset, p.DstPort, p.TcpAck));
    }

    [Theory]
    [InlineData(4, null)] // IHL 4 words < 20 bytes
    [InlineData(5, 19)] // total length below the header length
    public void Bogus_ipv4_header_is_malformed_keeping_only_the_version(int ihlWords, int? totalLength)
    {
        DecodedPacket p = Decode(Ethernet(0x0800, IPv4(6, "10.0.0.1", "10.0.0.2", Tcp(1, 2, 3, 4, 2), ihlWords: ihlWords, totalLength: totalLength)));
        Assert.Equal((4, Anomaly.MalformedIPv4, -1, false), (p.IpVersion, p.Anomaly, p.IpOffset, p.HasPorts));
    }

    [Fact]
    public void Tcp_data_offset_below_five_is_malformed_tcp_with_the_fields_read()
    {
        DecodedPacket p = Decode(Ethernet(0x0800, IPv4(6, "10.0.0.1", "10.0.0.2", Tcp(1234, 80, 9, 0, 0x002, dataOffsetWords: 4))));
        Assert.Equal((Anomaly.MalformedTcp, (ushort)1234, 9u), (p.Anomaly, p.SrcPort, p.TcpSeq));
    }

    [Fact]
    public void Payload_length_comes_from_the_headers_not_the_snap_length()
    {
        byte[] full = Ethernet(0x0800, IPv4(6, "10.0.0.1", "10.0.0.2", Tcp(1, 2, 3, 4, 0x018, new byte[1000])));
        DecodedPacket p = Decode(full[..80], 1, full.Length);
        Assert.Equal((1000, 1040, Anomaly.None), (p.PayloadLength, p.IpLength, p.Anomaly));
    }

    [Fact]
    public void Cut_inside_the_tcp_header_keeps_the_ports_and_names_truncated()
    {
        byte[] full = Ethernet(0x0800, IPv4(6, "10.0.0.1", "10.0.0.2", Tcp(1, 2, 3, 4, 0x018)));
        DecodedPacket p = Decode(full[..(14 + 20 + 6)], 1, full.Length);
        Assert.Equal((Anomaly.Truncated, true, (ushort)2, false), (p.Anomaly, p.HasPorts, p.DstPort, p.HasTcp));
    }

    [Fact]
    public void A_chain_of_100_extension_headers_is_walked_to_the_transport()
    {
        byte[] inner = Udp(12345, 54321, [1]);
        for (int i = 0; i < 100; i++)
        {
            inner = Ext8(i == 0 ? (byte)17 : (byte)60, inner);
        }
        DecodedPacket p = Decode(Ethernet(0x86DD, IPv6(60, "2001:db8::1", "2001:db8::2", inner)));
        Assert.Equal(((byte)17, (ushort)54321, Anomaly.None, 14 + 40 + 800), (p.IpProto, p.DstPort, p.Anomaly, p.TransportOffset));
    }

    [Fact]
    public void An_endless_extension_chain_stops_at_the_cap()
    {
        byte[] inner = [];
        for (int i = 0; i < PacketDecoder.MaxIPv6ExtensionHeaders + 10; i++)
        {
            inner = Ext8(60, inner);
        }
        DecodedPacket p = Decode(Ethernet(0x86DD, IPv6(60, "2001:db8::1", "2001:db8::2", inner)));
        Assert.Equal((Anomaly.TooManyLayers, false), (p.Anomaly, p.HasPorts));
    }

    [Fact]
    public void Ipv6_fragment_header_sets_fragment_fields_and_later_fragments_have_no_ports()
    {
        byte[] fragment(int offsetField, byte[] payload) => Cat([17, 0], U16(offsetField), U32(0xCAFE), payload);
        DecodedPacket first = Decode(Ethernet(0x86DD, IPv6(44, "2001:db8::1", "2001:db8::2", fragment(1, Udp(1, 53, new byte[64])))));
        Assert.Equal((true, true, 0, (ushort)53, 0xCAFEu), (first.IsFragment, first.MoreFragments, first.FragmentOffset, first.DstPort, first.IpId));
        DecodedPacket later = Decode(Ethernet(0x86DD, IPv6(44, "2001:db8::1", "2001:db8::2", fragment(1448, new byte[64]))));
        Assert.Equal((true, false, 1448, false, (byte)17), (later.IsFragment, later.MoreFragments, later.FragmentOffset, later.HasPorts, later.IpProto));
    }

    [Fact]
    public void Esp_stops_the_walk_as_encrypted_and_ah_is_walked_through()
    {
        DecodedPacket esp = Decode(Ethernet(0x0800, IPv4(50, "10.0.0.1", "10.0.0.2", new byte[40])));
        Assert.Equal(((byte)50, Anomaly.Encrypted), (esp.IpProto, esp.Anomaly));
        byte[] ah = Cat([6, 4, 0, 0], new byte[20]); // next TCP, (4+2)*4 = 24 bytes
        DecodedPacket v6 = Decode(Ethernet(0x86DD, IPv6(51, "2001:db8::1", "2001:db8::2", Cat(ah, Tcp(5, 6, 7, 8, 0x010)))));
        Assert.Equal(((byte)6, (ushort)6, Anomaly.None), (v6.IpProto, v6.DstPort, v6.Anomaly));
    }

    [Fact]
    public void Sctp_and_igmp()
    {
        DecodedPacket sctp = Decode(Ethernet(0x0800, IPv4(132, "10.0.0.1", "10.0.0.2", Cat(U16(2905), U16(2944), new byte[8]))));
        Assert.Equal((true, (ushort)2905, (ushort)2944), (sctp.HasPorts, sctp.SrcPort, sctp.DstPort));
        DecodedPacket igmp = Decode(Ethernet(0x0800, IPv4(2, "10.0.0.1", "224.0.0.1", new byte[8], ttl: 1)));
        Assert.Equal(((byte)2, false, Anomaly.None), (igmp.IpProto, igmp.HasPorts, igmp.Anomaly));
    }
}
