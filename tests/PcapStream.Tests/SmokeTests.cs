using PcapStream.Decoding;

namespace PcapStream.Tests;

public class SmokeTests
{
    [Fact]
    public void Ipv4_addresses_print_as_dotted_quads()
    {
        Assert.Equal("10.1.2.3", IpAddress16.Parse("10.1.2.3").ToString());
        Assert.Equal("2001:db8::1", IpAddress16.Parse("2001:db8::1").ToString());
        Assert.True(IpAddress16.Parse("10.1.2.3").IsIPv4);
    }
}
