using System.Globalization;

namespace PcapStream.Capture;

/// <summary>
/// Finds the interface holding the default route, as the original env.sh did with <c>ip route</c>, but by
/// reading <c>/proc/net/route</c> (IPv4) and, when there is no IPv4 default, <c>/proc/net/ipv6_route</c>:
/// no dependency on iproute2 and no text meant for humans.
/// </summary>
public static class DefaultRoute
{
    private const uint RtfUp = 0x0001;
    private const uint RtfReject = 0x0200;

    /// <summary>The default-route interface of this machine, or null when it has none.</summary>
    public static string? Find() =>
        FromIPv4Table(TryRead("/proc/net/route")) ?? FromIPv6Table(TryRead("/proc/net/ipv6_route"));

    /// <summary>
    /// From the text of <c>/proc/net/route</c>: the up route with destination and mask 0 and the lowest metric.
    /// Null when none (or <paramref name="table"/> is null).
    /// </summary>
    public static string? FromIPv4Table(string? table)
    {
        if (table is null)
        {
            return null;
        }
        string? best = null;
        long bestMetric = long.MaxValue;
        foreach (string line in table.Split('\n'))
        {
            // Iface Destination Gateway Flags RefCnt Use Metric Mask MTU Window IRTT (hex where numeric)
            string[] f = line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            if (f.Length < 8 || f[1] != "00000000" || f[7] != "00000000"
                || !uint.TryParse(f[3], NumberStyles.HexNumber, CultureInfo.InvariantCulture, out uint flags)
                || !long.TryParse(f[6], NumberStyles.Integer, CultureInfo.InvariantCulture, out long metric))
            {
                continue;
            }
            if ((flags & RtfUp) != 0 && (flags & RtfReject) == 0 && metric < bestMetric)
            {
                best = f[0];
                bestMetric = metric;
            }
        }
        return best;
    }

    /// <summary>
    /// From the text of <c>/proc/net/ipv6_route</c>: the up, non-reject ::/0 route with the lowest metric,
    /// ignoring <c>lo</c> (the kernel lists an unreachable ::/0 on lo). Null when none.
    /// </summary>
    public static string? FromIPv6Table(string? table)
    {
        if (table is null)
        {
            return null;
        }
        string? best = null;
        uint bestMetric = uint.MaxValue;
        foreach (string line in table.Split('\n'))
        {
            // dest prefixlen src srcprefixlen nexthop metric refcnt use flags iface (hex)
            string[] f = line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            if (f.Length < 10 || f[1] != "00" || f[0].Trim('0').Length != 0 || f[9] == "lo"
                || !uint.TryParse(f[8], NumberStyles.HexNumber, CultureInfo.InvariantCulture, out uint flags)
                || !uint.TryParse(f[5], NumberStyles.HexNumber, CultureInfo.InvariantCulture, out uint metric))
            {
                continue;
            }
            if ((flags & RtfUp) != 0 && (flags & RtfReject) == 0 && metric < bestMetric)
            {
                best = f[9];
                bestMetric = metric;
            }
        }
        return best;
    }

    private static string? TryRead(string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
