using System.Globalization;
using System.Net;
using System.Text;
using PcapStream.Decoding;
using PcapStream.Output;

namespace PcapStream.Tests.Output;

public class Utf8FormatTests
{
    [Theory]
    [InlineData(0L, "1970-01-01T00:00:00.000000Z")]
    [InlineData(1_732_729_516_680_626_999L, "2024-11-27T17:45:16.680626Z")] // cut, not rounded
    [InlineData(951_782_400_000_000_000L, "2000-02-29T00:00:00.000000Z")] // leap day of a century leap year
    [InlineData(4_294_967_295_999_999_999L, "2106-02-07T06:28:15.999999Z")] // the last pcap second
    [InlineData(-1L, "1969-12-31T23:59:59.999999Z")] // before the epoch: floor, not toward zero
    public void Timestamps_are_iso_utc_from_the_integer_nanos(long nanos, string expected)
    {
        Span<byte> buffer = stackalloc byte[Utf8Format.MaxTimestampLength];
        Assert.True(Utf8Format.TryWriteTimestamp(nanos, 6, buffer, out int n));
        Assert.Equal(expected, Encoding.ASCII.GetString(buffer[..n]));
    }

    [Fact]
    public void Timestamps_agree_with_DateTime_over_many_instants()
    {
        var random = new Random(42);
        Span<byte> buffer = stackalloc byte[Utf8Format.MaxTimestampLength];
        for (int i = 0; i < 20_000; i++)
        {
            long nanos = random.NextInt64(-2_000_000_000_000_000_000L, 4_000_000_000_000_000_000L);
            Assert.True(Utf8Format.TryWriteTimestamp(nanos, 9, buffer, out int n));
            long ticks = Math.DivRem(nanos, 100, out long rem) - (rem < 0 ? 1 : 0);
            DateTime t = DateTime.UnixEpoch.AddTicks(ticks);
            string expected = t.ToString("yyyy-MM-dd'T'HH:mm:ss", CultureInfo.InvariantCulture) + "." +
                ((nanos % 1_000_000_000 + 1_000_000_000) % 1_000_000_000).ToString("D9", CultureInfo.InvariantCulture) + "Z";
            Assert.Equal(expected, Encoding.ASCII.GetString(buffer[..n]));
        }
    }

    [Theory]
    [InlineData("::", "::")]
    [InlineData("::1", "::1")]
    [InlineData("2001:db8::1", "2001:db8::1")]
    [InlineData("2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1")] // first of two equal runs
    [InlineData("2001:0:0:1:0:0:0:1", "2001:0:0:1::1")] // the longer run
    [InlineData("2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1")] // a single zero group is not compressed
    [InlineData("fe80::", "fe80::")]
    [InlineData("::ffff:192.0.2.1", "::ffff:192.0.2.1")]
    [InlineData("::192.0.2.1", "::192.0.2.1")]
    [InlineData("::ffff:0:0102", "::ffff:0.0.1.2")] // glibc (tshark) form; .NET prints ::ffff:0:102
    public void IPv6_text_is_what_glibc_inet_ntop_prints(string address, string expected)
    {
        Assert.Equal(expected, Format(IpAddress16.Parse(address), asIPv4: false));
    }

    [Fact]
    public void Addresses_agree_with_dotnet_for_random_ipv4_and_ipv6()
    {
        var random = new Random(7);
        byte[] bytes = new byte[16];
        for (int i = 0; i < 20_000; i++)
        {
            random.NextBytes(bytes);
            // Zero some groups so that compression is exercised.
            for (int g = 0; g < 8; g++)
            {
                if (random.Next(3) == 0)
                {
                    bytes[2 * g] = bytes[(2 * g) + 1] = 0;
                }
            }
            var v6 = new IPAddress(bytes);
            string dotnet = v6.ToString();
            if (dotnet.Contains('.'))
            {
                continue; // the SIIT / ISATAP / v4-compatible forms where .NET and glibc differ by design
            }
            Assert.Equal(dotnet, Format(IpAddress16.FromIPv6(bytes), asIPv4: false));
            var v4 = new IPAddress(bytes.AsSpan(0, 4));
            Assert.Equal(v4.ToString(), Format(IpAddress16.FromIPv4(bytes.AsSpan(0, 4)), asIPv4: true));
        }
    }

    private static string Format(IpAddress16 address, bool asIPv4)
    {
        Span<byte> buffer = stackalloc byte[Utf8Format.MaxIpLength];
        Assert.True(Utf8Format.TryWriteIp(address, asIPv4, buffer, out int n));
        return Encoding.ASCII.GetString(buffer[..n]);
    }
}
