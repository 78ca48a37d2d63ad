using PcapStream.Decoding;
using static PcapStream.Tests.Decoding.Frames;

namespace PcapStream.Tests.Decoding;

/// <summary>Link types and link-level encapsulations the corpus lacks (oracle README "Not covered"), built by hand.</summary>
public sealed class LinkLayerTests
{
    private static readonly byte[] Ipv4Udp = IPv4(17, "192.0.2.1", "198.51.100.2", Udp(5353, 53, [1, 2, 3, 4]));
    private static readonly byte[] Ipv6Tcp = IPv6(6, "2001:db8::1", "2001:db8::2", Tcp(40000, 443, 1000, 0, 0x002));

    [Theory]
    [InlineData(12)]
    [InlineData(14)]
    [InlineData(101)]
    public void Raw_ip_link_types_pick_the_version_from_the_first_nibble(int linkType)
    {
        DecodedPacket v4 = Decode(Ipv4Udp, linkType);
        Assert.Equal((4, 17, (ushort)5353, (ushort)53, Anomaly.None), (v4.IpVersion, v4.IpProto, v4.SrcPort, v4.DstPort, v4.Anomaly));
        DecodedPacket v6 = Decode(Ipv6Tcp, linkType);
        Assert.Equal((6, Ip("2001:db8::1"), (ushort)443, (ushort)0x002), (v6.IpVersion, v6.Src, v6.DstPort, v6.TcpFlags));
    }

    [Theory]
    [InlineData(new byte[] { 0, 0, 0, 30 }, 6)] // LOOP (108) is network order: AF_INET6 as macOS numbers it
    [InlineData(new byte[] { 0, 0, 0, 24 }, 6)]
    [InlineData(new byte[] { 0, 0, 0, 2 }, 4)]
    public void Loop_reads_the_address_family_in_network_order(byte[] family, int version)
    {
        DecodedPacket p = Decode(Cat(family, version == 4 ? Ipv4Udp : Ipv6Tcp), 108);
        Assert.Equal((version, Anomaly.None), (p.IpVersion, p.Anomaly));
    }

    [Theory]
    [InlineData(new byte[] { 28, 0, 0, 0 }, 6)] // NULL written by a little-endian FreeBSD host
    [InlineData(new byte[] { 0, 0, 0, 28 }, 6)] // ... by a big-endian host
    [InlineData(new byte[] { 2, 0, 0, 0 }, 4)]
    public void Null_accepts_either_host_byte_order(byte[] family, int version)
    {
        DecodedPacket p = Decode(Cat(family, version == 4 ? Ipv4Udp : Ipv6Tcp), 0);
        Assert.Equal((version, Anomaly.None), (p.IpVersion, p.Anomaly));
    }

    [Fact]
    public void Null_with_an_unknown_family_names_it_without_crashing()
    {
        DecodedPacket p = Decode(Cat([7, 0, 0, 0], Ipv4Udp), 0);
        Assert.Equal((0, Anomaly.UnknownNextProtocol), (p.IpVersion, p.Anomaly));
    }

    [Fact]
    public void Unsupported_link_type_is_an_anomaly_not_an_error()
    {
        DecodedPacket p = Decode(Ipv4Udp, 160);
        Assert.Equal((0, Anomaly.UnsupportedLinkType, 160), (p.IpVersion, p.Anomaly, p.LinkType));
    }

    [Fact]
    public void Raw_80211_qos_data_with_ht_control_reaches_ip_through_llc_snap()
    {
        // Frame control 0x88 (QoS data), flags 0x81 (ToDS + Order: HT control present), then 3 addresses, sequence,
        // QoS control (2) and HT control (4): 24 + 2 + 4 = 30 bytes before LLC/SNAP.
        byte[] mac = Cat([0x88, 0x81, 0, 0], MacA, MacB, MacA, [0x10, 0x00], [0x00, 0x00], [0, 0, 0, 0]);
        byte[] frame = Cat(mac, [0xAA, 0xAA, 0x03, 0, 0, 0], U16(0x0800), Ipv4Udp);
        DecodedPacket p = Decode(frame, 105);
        Assert.Equal((4, Ip("192.0.2.1"), (ushort)53, Anomaly.None), (p.IpVersion, p.Src, p.DstPort, p.Anomaly));
    }

    [Fact]
    public void Protected_80211_data_stops_as_encrypted_and_management_frames_are_not_anomalies()
    {
        byte[] protectedData = Cat([0x08, 0x41, 0, 0], MacA, MacB, MacA, [0x10, 0x00], new byte[40]);
        Assert.Equal(Anomaly.Encrypted, Decode(protectedData, 105).Anomaly);
        byte[] beacon = Cat([0x80, 0x00, 0, 0], MacA, MacB, MacA, [0x10, 0x00], new byte[40]);
        DecodedPacket p = Decode(beacon, 105);
        Assert.Equal((0, Anomaly.None), (p.IpVersion, p.Anomaly));
    }

    [Theory]
    [InlineData(9, new byte[] { 0xFF, 0x03, 0x00, 0x21 })] // PPP with address/control
    [InlineData(50, new byte[] { 0xFF, 0x03, 0x00, 0x21 })] // PPP in HDLC framing
    [InlineData(9, new byte[] { 0x21 })] // address/control and protocol field compressed
    public void Ppp_link_types_carry_ipv4(int linkType, byte[] header)
    {
        DecodedPacket p = Decode(Cat(header, Ipv4Udp), linkType);
        Assert.Equal((4, (ushort)5353, Anomaly.None), (p.IpVersion, p.SrcPort, p.Anomaly));
    }

    [Fact]
    public void Ppp_control_protocols_have_no_ip_and_no_anomaly()
    {
        DecodedPacket p = Decode([0xFF, 0x03, 0xC0, 0x21, 1, 1, 0, 4], 9); // LCP configure-request
        Assert.Equal((0, Anomaly.None), (p.IpVersion, p.Anomaly));
    }

    [Fact]
    public void Pppoe_session_in_8021ad_qinq_keeps_the_outer_s_tag()
    {
        byte[] pppoe = Cat([0x11, 0x00], U16(0x1234), U16(2 + Ipv6Tcp.Length), U16(0x0057), Ipv6Tcp);
        byte[] frame = Ethernet(0x88A8, Vlan(200, 0x8100, Vlan(2001, 0x8864, pppoe)));
        DecodedPacket p = Decode(frame);
        Assert.Equal((200, (byte)2, 6, (ushort)443), (p.Vlan, p.VlanCount, p.IpVersion, p.DstPort));
    }

    [Fact]
    public void Pppoe_discovery_and_arp_and_stp_are_complete_non_ip_frames()
    {
        Assert.Equal(Anomaly.None, Decode(Ethernet(0x8863, [0x11, 0x09, 0, 0, 0, 0])).Anomaly);
        Assert.Equal(Anomaly.None, Decode(Ethernet(0x0806, new byte[28])).Anomaly);
        DecodedPacket stp = Decode(Ethernet(38, Cat([0x42, 0x42, 0x03], new byte[35])));
        Assert.Equal((0, Anomaly.None), (stp.IpVersion, stp.Anomaly));
    }

    [Fact]
    public void Unknown_ethertype_is_named()
    {
        DecodedPacket p = Decode(Ethernet(0x88B5, new byte[46]));
        Assert.Equal(Anomaly.UnknownNextProtocol, p.Anomaly);
    }

    [Fact]
    public void Arista_avsp_with_a_48_bit_timestamp_is_skipped()
    {
        byte[] avsp = Cat(U16(1), U16(0x0020), new byte[6], U16(0x8100), Vlan(100, 0x0800, Ipv4Udp));
        DecodedPacket p = Decode(Ethernet(0xD28B, avsp));
        Assert.Equal((100, 4, Ip("198.51.100.2")), (p.Vlan, p.IpVersion, p.Dst));
    }

    [Fact]
    public void Mpls_stack_is_counted_and_a_pseudowire_control_word_leads_to_ethernet()
    {
        byte[] labels = Cat(U32(16u << 12 | 64), U32(17u << 12 | 0x100 | 64));
        DecodedPacket direct = Decode(Ethernet(0x8847, Cat(labels, Ipv4Udp)));
        Assert.Equal(((byte)2, 4, (ushort)53), (direct.MplsLabels, direct.IpVersion, direct.DstPort));
        DecodedPacket pw = Decode(Ethernet(0x8847, Cat(labels, new byte[4], Ethernet(0x86DD, Ipv6Tcp))));
        Assert.Equal((6, (ushort)443), (pw.IpVersion, pw.DstPort));
    }

    [Fact]
    public void Linux_sll_and_sll2_carry_their_ethertype()
    {
        byte[] sll = Cat(U16(0), U16(1), U16(6), MacA, [0, 0], U16(0x86DD), Ipv6Tcp);
        Assert.Equal((6, (ushort)40000), (Decode(sll, 113).IpVersion, Decode(sll, 113).SrcPort));
        byte[] sll2 = Cat(U16(0x0800), U16(0), U32(2), U16(1), [0, 6], MacA, [0, 0], Ipv4Udp);
        Assert.Equal((4, Anomaly.None), (Decode(sll2, 276).IpVersion, Decode(sll2, 276).Anomaly));
    }

    [Fact]
    public void Truncated_ethernet_header_is_named()
    {
        DecodedPacket p = Decode([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 1, 60);
        Assert.Equal((Anomaly.Truncated, 10, 60), (p.Anomaly, p.CapturedLength, p.WireLength));
    }
}
