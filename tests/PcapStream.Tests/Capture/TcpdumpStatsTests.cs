using PcapStream.Capture;

namespace PcapStream.Tests.Capture;

public class TcpdumpStatsTests
{
    [Fact]
    public void The_sigusr1_line_holds_all_counters()
    {
        TcpdumpStats s = TcpdumpStats.None;
        Assert.True(TcpdumpStats.TryParseLine("tcpdump: 4286 packets captured, 8600 packets received by filter, 17 packets dropped by kernel", ref s));
        Assert.Equal(new TcpdumpStats(4286, 8600, 17, -1), s);
        Assert.Equal(17, s.Dropped);
    }

    [Fact]
    public void The_exit_summary_spans_lines_and_may_add_interface_drops()
    {
        TcpdumpStats s = TcpdumpStats.None;
        foreach (string line in (string[])["7 packets captured", "24 packets received by filter", "3 packets dropped by kernel", "2 packets dropped by interface"])
        {
            Assert.True(TcpdumpStats.TryParseLine(line, ref s));
        }
        Assert.Equal(5, s.Dropped);
        Assert.Equal("7 packets captured, 24 received by filter, 3 dropped by kernel, 2 dropped by interface", s.ToString());
    }

    [Theory]
    [InlineData("tcpdump: listening on lo, link-type EN10MB (Ethernet), snapshot length 262144 bytes")]
    [InlineData("Maximum file limit reached: 2")]
    [InlineData("tcpdump: eth9: No such device exists")]
    public void Other_lines_are_not_counters(string line)
    {
        TcpdumpStats s = TcpdumpStats.None;
        Assert.False(TcpdumpStats.TryParseLine(line, ref s));
        Assert.False(s.IsKnown);
    }
}
