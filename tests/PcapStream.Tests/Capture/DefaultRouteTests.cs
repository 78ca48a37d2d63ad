using PcapStream.Capture;

namespace PcapStream.Tests.Capture;

public class DefaultRouteTests
{
    // Real /proc/net/route text (a host with docker0 and a lower-metric wired default beside wifi).
    private const string Ipv4 = """
        Iface	Destination	Gateway 	Flags	RefCnt	Use	Metric	Mask		MTU	Window	IRTT
        wlan0	00000000	0101A8C0	0003	0	0	600	00000000	0	0	0
        enp3s0	00000000	0100000A	0003	0	0	100	00000000	0	0	0
        docker0	000011AC	00000000	0001	0	0	0	0000FFFF	0	0	0
        enp3s0	0000000A	00000000	0001	0	0	100	00FFFFFF	0	0	0
        """;

    // /proc/net/ipv6_route of an IPv6-only host: the ::/0 route on lo is the kernel's unreachable entry.
    private const string Ipv6 = """
        fd000000000000000000000000000000 40 00000000000000000000000000000000 00 00000000000000000000000000000000 00000100 00000001 00000000 00000001     eth0
        00000000000000000000000000000000 00 00000000000000000000000000000000 00 fd000000000000000000000000000001 00000400 00000002 00000000 00000003     eth0
        00000000000000000000000000000000 00 00000000000000000000000000000000 00 00000000000000000000000000000000 ffffffff 00000001 00000000 00200200       lo
        """;

    [Fact]
    public void Ipv4_default_route_with_the_lowest_metric_wins() => Assert.Equal("enp3s0", DefaultRoute.FromIPv4Table(Ipv4));

    [Fact]
    public void Ipv6_default_route_ignores_the_unreachable_entry_on_lo() => Assert.Equal("eth0", DefaultRoute.FromIPv6Table(Ipv6));

    [Fact]
    public void No_default_route_gives_null()
    {
        const string noDefault = "Iface\tDestination\tGateway\tFlags\tRefCnt\tUse\tMetric\tMask\tMTU\tWindow\tIRTT\neth0\t0000000A\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0\n";
        Assert.Null(DefaultRoute.FromIPv4Table(noDefault));
        Assert.Null(DefaultRoute.FromIPv4Table(null));
        Assert.Null(DefaultRoute.FromIPv6Table(Ipv6.Split('\n')[2]));
    }

    [Fact]
    public void A_down_default_route_is_skipped()
    {
        string down = Ipv4.Replace("enp3s0\t00000000\t0100000A\t0003", "enp3s0\t00000000\t0100000A\t0002", StringComparison.Ordinal);
        Assert.Equal("wlan0", DefaultRoute.FromIPv4Table(down));
    }
}
