using System.Runtime.CompilerServices;

namespace PcapStream.Readers;

/// <summary>
/// One pcapng Interface Description Block: what a writer needs to reproduce records of that interface with the
/// same precision (<c>extract</c>), and what the reader uses to turn raw timestamps into nanoseconds.
/// </summary>
public sealed class PcapNgInterface
{
    // Fast path: decimal resolutions down to 1 ns are one multiply (µs: 1000, ns: 1).
    private readonly long _multiplier;
    private readonly long _offsetNanos;

    /// <param name="linkType">LINKTYPE_ value of the interface.</param>
    /// <param name="snapLength">IDB snaplen in bytes; 0 means unlimited.</param>
    /// <param name="timestampResolution">Raw <c>if_tsresol</c> byte: bit 7 clear = 10^-n s, set = 2^-n s; default 6.</param>
    /// <param name="timestampOffsetSeconds"><c>if_tsoffset</c>: seconds added to every timestamp; default 0.</param>
    public PcapNgInterface(int linkType, uint snapLength, byte timestampResolution = 6, long timestampOffsetSeconds = 0)
    {
        LinkType = linkType;
        SnapLength = snapLength;
        TimestampResolution = timestampResolution;
        TimestampOffsetSeconds = timestampOffsetSeconds;
        _multiplier = timestampResolution <= 9 ? Pow10(9 - timestampResolution) : 0;
        _offsetNanos = unchecked(timestampOffsetSeconds * 1_000_000_000L);
    }

    /// <summary>LINKTYPE_ value (the IDB field is 16 bits wide).</summary>
    public int LinkType { get; }

    /// <summary>IDB snaplen in bytes; 0 means no limit.</summary>
    public uint SnapLength { get; }

    /// <summary>Raw <c>if_tsresol</c> byte: bit 7 clear = units of 10^-n s, set = units of 2^-n s (6 = µs when absent).</summary>
    public byte TimestampResolution { get; }

    /// <summary><c>if_tsoffset</c> in seconds (added to every timestamp of the interface); 0 when absent.</summary>
    public long TimestampOffsetSeconds { get; }

    /// <summary>Timestamp units per second (1e6 for µs, 1e9 for ns, 256 for 0x88), or 0 when it overflows 64 bits.</summary>
    public ulong UnitsPerSecond
    {
        get
        {
            int n = TimestampResolution & 0x7F;
            if ((TimestampResolution & 0x80) != 0)
            {
                return n < 64 ? 1UL << n : 0;
            }
            return n <= 19 ? (ulong)Pow10(Math.Min(n, 18)) * (n == 19 ? 10UL : 1UL) : 0;
        }
    }

    /// <summary>Converts a raw 64-bit EPB timestamp to nanoseconds since the epoch (finer units are cut, not rounded,
    /// as Wireshark does), including <see cref="TimestampOffsetSeconds"/>. Never throws; absurd values wrap.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public long ToNanoseconds(ulong units) =>
        _multiplier != 0 ? unchecked((long)units * _multiplier + _offsetNanos) : SlowToNanoseconds(units);

    private long SlowToNanoseconds(ulong units)
    {
        int n = TimestampResolution & 0x7F;
        ulong nanos;
        if ((TimestampResolution & 0x80) != 0)
        {
            // units / 2^n seconds; 128-bit product keeps the fraction exact for any n.
            nanos = (ulong)(((UInt128)units * 1_000_000_000UL) >> Math.Min(n, 127));
        }
        else
        {
            nanos = n - 9 > 19 ? 0 : units / (ulong)Pow10(Math.Min(n - 9, 18)) / (n - 9 == 19 ? 10UL : 1UL);
        }
        return unchecked((long)nanos + _offsetNanos);
    }

    private static long Pow10(int n)
    {
        long r = 1;
        for (int i = 0; i < n; i++)
        {
            r *= 10;
        }
        return r;
    }

    /// <inheritdoc/>
    public override string ToString() =>
        $"linktype {LinkType}, snaplen {SnapLength}, tsresol 0x{TimestampResolution:x2}, tsoffset {TimestampOffsetSeconds}s";
}
