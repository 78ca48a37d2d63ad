using PcapStream.Decoding;
using static PcapStream.Tests.Decoding.Frames;

namespace PcapStream.Tests.Decoding;

/// <summary>Tunnels: innermost addresses/ports, outermost tunnel kind and outer IP header.</summary>
public sealed class TunnelTests
{
    private static readonly byte[] InnerTcp = IPv4(6, "172.16.0.1", "172.16.0.2", Tcp(33000, 22, 111, 222, 0x018, new byte[10]), ttl: 17);
    private static readonly byte[] InnerV6Udp = IPv6(17, "2001:db8::a", "2001:db8::b", Udp(5000, 6000, new byte[3]));

    private static void AssertInnerTcp(in DecodedPacket p, TunnelKind kind, string outerSrc)
    {
        Assert.Equal((kind, Ip(outerSrc), Ip("172.16.0.1"), Ip("172.16.0.2")), (p.Tunnel, p.OuterSrc, p.Src, p.Dst));
        Assert.Equal(((byte)6, (ushort)22, 111u, (byte)17, 10, Anomaly.None), (p.IpProto, p.DstPort, p.TcpSeq, p.Ttl, p.PayloadLength, p.Anomaly));
        Assert.False(p.HasUdp); // the outer UDP header of a UDP tunnel is not the packet's transport
    }

    [Fact]
    public void Pptp_enhanced_gre_carrying_ppp()
    {
        byte[] gre = Cat(U16(0x3081), U16(0x880B), U16(2 + InnerTcp.Length), U16(7), U32(1), U32(0), [0xFF, 0x03, 0x00, 0x21], InnerTcp);
        AssertInnerTcp(Decode(Ethernet(0x0800, IPv4(47, "192.0.2.1", "192.0.2.2", gre))), TunnelKind.Gre, "192.0.2.1");
    }

    [Fact]
    public void Gre_with_checksum_key_and_sequence_and_transparent_ethernet()
    {
        byte[] gre = Cat(U16(0xB000), U16(0x6558), U32(0), U32(42), U32(1), Ethernet(0x8100, Vlan(5, 0x0800, InnerTcp)));
        DecodedPacket p = Decode(Ethernet(0x0800, IPv4(47, "192.0.2.1", "192.0.2.2", gre)));
        AssertInnerTcp(p, TunnelKind.Gre, "192.0.2.1");
        Assert.Equal(-1, p.Vlan); // a tag inside the tunnel is not the capture point's VLAN
    }

    [Fact]
    public void Erspan_type_iii_with_platform_subheader()
    {
        byte[] erspan = Cat([0x20, 0x0A, 0x00, 0x01], U32(123456), [0, 0, 0, 0x01], new byte[8]);
        byte[] gre = Cat(U16(0x1000), U16(0x22EB), U32(9), erspan, Ethernet(0x0800, InnerTcp));
        AssertInnerTcp(Decode(Ethernet(0x0800, IPv4(47, "192.0.2.1", "192.0.2.2", gre))), TunnelKind.Erspan, "192.0.2.1");
    }

    [Theory]
    [InlineData(4, 4)]
    [InlineData(4, 6)]
    [InlineData(6, 4)]
    [InlineData(6, 6)]
    public void Ip_in_ip_all_four_combinations(int outer, int inner)
    {
        byte[] innerPacket = inner == 4 ? InnerTcp : InnerV6Udp;
        byte protocol = (byte)(inner == 4 ? 4 : 41);
        byte[] frame = outer == 4
            ? Ethernet(0x0800, IPv4(protocol, "192.0.2.1", "192.0.2.2", innerPacket))
            : Ethernet(0x86DD, IPv6(protocol, "2001:db8:ffff::1", "2001:db8:ffff::2", innerPacket));
        DecodedPacket p = Decode(frame);
        Assert.Equal((TunnelKind.IpIp, (byte)outer, (byte)inner, Anomaly.None), (p.Tunnel, p.OuterIpVersion, p.IpVersion, p.Anomaly));
        Assert.Equal(inner == 4 ? (ushort)22 : (ushort)6000, p.DstPort);
        Assert.Equal(outer == 4 ? Ip("192.0.2.1") : Ip("2001:db8:ffff::1"), p.OuterSrc);
    }

    [Fact]
    public void Vxlan_geneve_with_options_and_gtp_with_an_extension_header()
    {
        byte[] vxlan = Cat([0x08, 0, 0, 0], [0, 0, 0x2A, 0], Ethernet(0x0800, InnerTcp));
        AssertInnerTcp(Decode(Ethernet(0x0800, IPv4(17, "192.0.2.1", "192.0.2.2", Udp(50000, 4789, vxlan)))), TunnelKind.Vxlan, "192.0.2.1");

        byte[] geneve = Cat([0x02, 0x00], U16(0x6558), [0, 0, 1, 0], new byte[8], Ethernet(0x0800, InnerTcp)); // 2 option words
        AssertInnerTcp(Decode(Ethernet(0x0800, IPv4(17, "192.0.2.1", "192.0.2.2", Udp(50000, 6081, geneve)))), TunnelKind.Geneve, "192.0.2.1");

        // GTP-U flags 0x34 (v1, PT, E), G-PDU, then seq/N-PDU/next-ext 0x85 (PDU session container, 1 word, ends with 0).
        byte[] gtp = Cat([0x34, 0xFF], U16(4 + 4 + InnerTcp.Length), U32(0x10), [0, 0, 0, 0x85], [1, 0x10, 0x01, 0x00], InnerTcp);
        AssertInnerTcp(Decode(Ethernet(0x0800, IPv4(17, "192.0.2.1", "192.0.2.2", Udp(2152, 2152, gtp)))), TunnelKind.Gtp, "192.0.2.1");
    }

    [Fact]
    public void Teredo_with_an_origin_indicator()
    {
        byte[] teredo = Cat([0, 0], U16(0xFFFF), U32(0xFFFFFFFF), InnerV6Udp);
        DecodedPacket p = Decode(Ethernet(0x0800, IPv4(17, "192.0.2.1", "192.0.2.2", Udp(3544, 51000, teredo))));
        Assert.Equal((TunnelKind.Teredo, Ip("2001:db8::a"), (ushort)6000, (byte)4), (p.Tunnel, p.Src, p.DstPort, p.OuterIpVersion));
    }

    [Fact]
    public void Udp_on_a_tunnel_port_that_is_not_that_tunnel_stays_plain_udp()
    {
        DecodedPacket p = Decode(Ethernet(0x0800, IPv4(17, "192.0.2.1", "192.0.2.2", Udp(4789, 53, new byte[20]))));
        Assert.Equal((TunnelKind.None, (ushort)53, Anomaly.None), (p.Tunnel, p.DstPort, p.Anomaly));
    }

    [Fact]
    public void Icmp_error_quoting_a_udp_header_is_not_a_tunnel()
    {
        byte[] quoted = IPv4(17, "10.9.9.9", "10.8.8.8", Udp(1111, 33434, []));
        DecodedPacket p = Decode(Ethernet(0x0800, IPv4(1, "192.0.2.254", "10.9.9.9", Icmp(11, 0, quoted))));
        Assert.Equal((TunnelKind.None, Ip("192.0.2.254"), false, (byte)11, (byte)0, (byte)1), (p.Tunnel, p.Src, p.HasPorts, p.IcmpType, p.IcmpCode, p.IpProto));
    }

    [Fact]
    public void Nesting_beyond_the_bound_is_too_many_layers_keeping_what_was_decoded()
    {
        byte[] packet = InnerTcp;
        for (int i = 0; i < PacketDecoder.MaxTunnels + 3; i++)
        {
            packet = IPv4(4, $"10.0.0.{i + 1}", "10.0.0.254", packet);
        }
        DecodedPacket p = Decode(Ethernet(0x0800, packet));
        Assert.Equal((Anomaly.TooManyLayers, TunnelKind.IpIp, Ip($"10.0.0.{PacketDecoder.MaxTunnels + 3}")), (p.Anomaly, p.Tunnel, p.OuterSrc));
        Assert.Equal(4, p.IpVersion);
    }
}
