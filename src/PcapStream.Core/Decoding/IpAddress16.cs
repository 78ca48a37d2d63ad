using System.Buffers.Binary;
using System.Net;

namespace PcapStream.Decoding;

/// <summary>
/// An IPv4 or IPv6 address in 16 bytes, no allocation: IPv4 is stored IPv4-mapped (<c>::ffff:a.b.c.d</c>), so
/// one type serves both families in flow keys (Zeek's habit). <see cref="High"/> and <see cref="Low"/> hold the
/// address in network order, so comparing (High, Low) orders addresses as their bytes do.
/// </summary>
public readonly record struct IpAddress16(ulong High, ulong Low) : IComparable<IpAddress16>
{
    private const ulong V4MappedLowPrefix = 0x0000_FFFF_0000_0000UL;

    /// <summary>An all-zero address (<c>::</c>); also the value of "no address".</summary>
    public static IpAddress16 None => default;

    /// <summary>Builds an address from an IPv4 address given as a big-endian 32-bit value.</summary>
    public static IpAddress16 FromIPv4(uint addressBigEndianValue) => new(0, V4MappedLowPrefix | addressBigEndianValue);

    /// <summary>Reads 4 bytes of an IPv4 address.</summary>
    public static IpAddress16 FromIPv4(ReadOnlySpan<byte> fourBytes) => FromIPv4(BinaryPrimitives.ReadUInt32BigEndian(fourBytes));

    /// <summary>Reads 16 bytes of an IPv6 address.</summary>
    public static IpAddress16 FromIPv6(ReadOnlySpan<byte> sixteenBytes) =>
        new(BinaryPrimitives.ReadUInt64BigEndian(sixteenBytes), BinaryPrimitives.ReadUInt64BigEndian(sixteenBytes[8..]));

    /// <summary>True when this is an IPv4-mapped address (an IPv4 address).</summary>
    public bool IsIPv4 => High == 0 && (Low & 0xFFFF_FFFF_0000_0000UL) == V4MappedLowPrefix;

    /// <summary>The IPv4 address as a big-endian 32-bit value (only meaningful when <see cref="IsIPv4"/>).</summary>
    public uint IPv4Value => (uint)Low;

    /// <summary>Writes the address bytes: 4 bytes for IPv4, 16 for IPv6. Returns the count written.</summary>
    public int WriteBytes(Span<byte> destination, bool asIPv4)
    {
        if (asIPv4)
        {
            BinaryPrimitives.WriteUInt32BigEndian(destination, (uint)Low);
            return 4;
        }
        BinaryPrimitives.WriteUInt64BigEndian(destination, High);
        BinaryPrimitives.WriteUInt64BigEndian(destination[8..], Low);
        return 16;
    }

    public int CompareTo(IpAddress16 other)
    {
        int c = High.CompareTo(other.High);
        return c != 0 ? c : Low.CompareTo(other.Low);
    }

    /// <summary>Text form: dotted quad for IPv4, RFC 5952 (as .NET and tshark print it) for IPv6.</summary>
    public override string ToString()
    {
        Span<byte> bytes = stackalloc byte[16];
        if (IsIPv4)
        {
            WriteBytes(bytes, asIPv4: true);
            return new IPAddress(bytes[..4]).ToString();
        }
        WriteBytes(bytes, asIPv4: false);
        return new IPAddress(bytes).ToString();
    }

    /// <summary>Parses a text IPv4 or IPv6 address.</summary>
    public static IpAddress16 Parse(string text)
    {
        IPAddress ip = IPAddress.Parse(text);
        Span<byte> bytes = stackalloc byte[16];
        ip.TryWriteBytes(bytes, out int written);
        return written == 4 ? FromIPv4(bytes[..4]) : FromIPv6(bytes);
    }
}
