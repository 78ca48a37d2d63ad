using System.Buffers.Text;
using System.Runtime.CompilerServices;
using PcapStream.Decoding;

namespace PcapStream.Output;

/// <summary>
/// Non-allocating UTF-8 text forms of the values in records: integers, ISO 8601 UTC timestamps computed from
/// the integer nanoseconds (no time-zone database is consulted, so the output never depends on TZ — the trap
/// tcpdump falls into), and IP addresses as glibc's <c>inet_ntop</c> (and so tshark) prints them.
/// Every method returns false, writing nothing useful, when the destination is too small.
/// </summary>
public static class Utf8Format
{
    /// <summary>Longest ISO timestamp we write: "-YYYYYY-MM-DDTHH:MM:SS.fffffffffZ" fits in 40.</summary>
    public const int MaxTimestampLength = 40;

    /// <summary>Longest IP text: a full IPv6 address with a dotted IPv4 tail is 45 characters.</summary>
    public const int MaxIpLength = 46;

    private const long NanosPerSecond = 1_000_000_000L;
    private const long SecondsPerDay = 86_400L;

    /// <summary>Division rounding toward negative infinity (timestamps before 1970 cut to the earlier unit, as
    /// <see cref="TryWriteTimestamp"/> does).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] // a constant divisor then compiles to a multiply, not idiv
    internal static long FloorDiv(long value, long divisor)
    {
        long q = Math.DivRem(value, divisor, out long r);
        return r < 0 ? q - 1 : q;
    }

    /// <summary>Writes a decimal integer.</summary>
    public static bool TryWrite(long value, Span<byte> destination, out int written) =>
        Utf8Formatter.TryFormat(value, destination, out written);

    /// <summary>Writes <c>true</c> or <c>false</c>.</summary>
    public static bool TryWrite(bool value, Span<byte> destination, out int written) =>
        Utf8Formatter.TryFormat(value, destination, out written, 'l');

    /// <summary>Writes a double in the shortest form that round-trips ("R"), invariant, e.g. <c>0.25</c>.</summary>
    public static bool TryWrite(double value, Span<byte> destination, out int written) =>
        value.TryFormat(destination, out written, "R", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>
    /// Writes an instant given in nanoseconds since the Unix epoch as ISO 8601 UTC with
    /// <paramref name="fractionDigits"/> digits of fraction (0, 3, 6 or 9): <c>2024-01-02T03:04:05.123456Z</c>.
    /// Digits beyond the requested precision are cut (floor), as the Parquet microsecond column stores them.
    /// </summary>
    public static bool TryWriteTimestamp(long epochNanos, int fractionDigits, Span<byte> destination, out int written)
    {
        written = 0;
        if (destination.Length < MaxTimestampLength)
        {
            return false;
        }
        long seconds = Math.DivRem(epochNanos, NanosPerSecond, out long nanos);
        if (nanos < 0)
        {
            seconds--;
            nanos += NanosPerSecond;
        }
        long days = Math.DivRem(seconds, SecondsPerDay, out long secondOfDay);
        if (secondOfDay < 0)
        {
            days--;
            secondOfDay += SecondsPerDay;
        }
        CivilFromDays(days, out long year, out int month, out int day);

        int n;
        if (year is >= 0 and <= 9999)
        {
            WriteDigits(destination, (int)year, 4);
            n = 4;
        }
        else
        {
            // Beyond ISO's four digits (not reachable from pcap's 32-bit seconds, but never garbage).
            Utf8Formatter.TryFormat(year, destination, out n);
        }
        destination[n++] = (byte)'-';
        WriteDigits(destination[n..], month, 2);
        n += 2;
        destination[n++] = (byte)'-';
        WriteDigits(destination[n..], day, 2);
        n += 2;
        destination[n++] = (byte)'T';
        int sod = (int)secondOfDay;
        WriteDigits(destination[n..], sod / 3600, 2);
        n += 2;
        destination[n++] = (byte)':';
        WriteDigits(destination[n..], sod / 60 % 60, 2);
        n += 2;
        destination[n++] = (byte)':';
        WriteDigits(destination[n..], sod % 60, 2);
        n += 2;
        if (fractionDigits > 0)
        {
            destination[n++] = (byte)'.';
            long fraction = nanos;
            for (int i = fractionDigits; i < 9; i++)
            {
                fraction /= 10;
            }
            WriteDigits(destination[n..], (int)fraction, fractionDigits);
            n += fractionDigits;
        }
        destination[n++] = (byte)'Z';
        written = n;
        return true;
    }

    /// <summary>
    /// Writes an address: dotted quad when <paramref name="asIPv4"/>, else RFC 5952 text exactly as glibc's
    /// <c>inet_ntop</c> prints it (lower case; the longest run of two or more zero groups, the first on a tie,
    /// becomes <c>::</c>; a dotted tail only for <c>::a.b.c.d</c> and <c>::ffff:a.b.c.d</c>).
    /// </summary>
    public static bool TryWriteIp(IpAddress16 address, bool asIPv4, Span<byte> destination, out int written)
    {
        written = 0;
        if (destination.Length < MaxIpLength)
        {
            return false;
        }
        if (asIPv4)
        {
            written = WriteIPv4(address.IPv4Value, destination);
            return true;
        }

        Span<ushort> groups = stackalloc ushort[8];
        for (int i = 0; i < 4; i++)
        {
            groups[i] = (ushort)(address.High >> (48 - (16 * i)));
            groups[i + 4] = (ushort)(address.Low >> (48 - (16 * i)));
        }
        // Longest run of zero groups (length >= 2), first one on a tie.
        int bestStart = -1, bestLength = 0;
        for (int i = 0; i < 8;)
        {
            if (groups[i] != 0)
            {
                i++;
                continue;
            }
            int start = i;
            while (i < 8 && groups[i] == 0)
            {
                i++;
            }
            if (i - start > bestLength)
            {
                bestStart = start;
                bestLength = i - start;
            }
        }
        if (bestLength < 2)
        {
            bestStart = -1;
        }

        int n = 0;
        for (int i = 0; i < 8; i++)
        {
            if (i == bestStart)
            {
                destination[n++] = (byte)':';
                if (i + bestLength == 8)
                {
                    destination[n++] = (byte)':';
                }
                i += bestLength - 1;
                continue;
            }
            if (i > 0)
            {
                destination[n++] = (byte)':';
            }
            // glibc: "::a.b.c.d" (zero run of exactly six) and "::ffff:a.b.c.d" keep the IPv4 tail dotted.
            if (i == 6 && bestStart == 0 && (bestLength == 6 || (bestLength == 5 && groups[5] == 0xFFFF)))
            {
                n += WriteIPv4((uint)address.Low, destination[n..]);
                break;
            }
            n += WriteHex(groups[i], destination[n..]);
        }
        written = n;
        return true;
    }

    private static int WriteIPv4(uint value, Span<byte> destination)
    {
        int n = 0;
        for (int shift = 24; shift >= 0; shift -= 8)
        {
            Utf8Formatter.TryFormat((byte)(value >> shift), destination[n..], out int w);
            n += w;
            if (shift > 0)
            {
                destination[n++] = (byte)'.';
            }
        }
        return n;
    }

    private static int WriteHex(ushort value, Span<byte> destination)
    {
        const string Hex = "0123456789abcdef";
        int n = 0;
        bool started = false;
        for (int shift = 12; shift >= 0; shift -= 4)
        {
            int nibble = (value >> shift) & 0xF;
            if (nibble != 0 || started || shift == 0)
            {
                destination[n++] = (byte)Hex[nibble];
                started = true;
            }
        }
        return n;
    }

    private static void WriteDigits(Span<byte> destination, int value, int count)
    {
        for (int i = count - 1; i >= 0; i--)
        {
            destination[i] = (byte)('0' + (value % 10));
            value /= 10;
        }
    }

    // Howard Hinnant's days_from_civil inverse: proleptic Gregorian date of a day count since 1970-01-01.
    private static void CivilFromDays(long days, out long year, out int month, out int day)
    {
        long z = days + 719_468;
        long era = (z >= 0 ? z : z - 146_096) / 146_097;
        long doe = z - (era * 146_097);
        long yoe = (doe - (doe / 1460) + (doe / 36_524) - (doe / 146_096)) / 365;
        long doy = doe - ((365 * yoe) + (yoe / 4) - (yoe / 100));
        long mp = ((5 * doy) + 2) / 153;
        day = (int)(doy - (((153 * mp) + 2) / 5) + 1);
        month = (int)(mp < 10 ? mp + 3 : mp - 9);
        year = yoe + (era * 400) + (month <= 2 ? 1 : 0);
    }
}
