using System.Buffers.Binary;
using System.Text;

namespace PcapStream.Readers;

/// <summary>
/// Writes a pcapng file (little-endian, one section): a Section Header Block, one Interface Description Block per
/// interface added with <see cref="AddInterface"/>, then Enhanced Packet Blocks. Each interface keeps its own link
/// type and timestamp resolution, so packets from captures with different link types or precisions keep both
/// (what <c>extract</c> needs when it mixes sources). Interfaces may be added between packets, as the format allows.
/// </summary>
public sealed class PcapNgWriter : IDisposable
{
    private const uint SectionHeaderType = 0x0A0D0D0A;
    private const uint InterfaceDescriptionType = 0x00000001;
    private const uint EnhancedPacketType = 0x00000006;
    private static readonly byte[] Padding = new byte[4];

    private readonly Stream _stream;
    private readonly bool _ownsStream;
    private readonly byte[] _header = new byte[28];
    private int _interfaces;

    /// <param name="stream">Destination; the Section Header Block is written at once.</param>
    /// <param name="application">Written as the SHB's <c>shb_userappl</c> option; null for none.</param>
    /// <param name="ownsStream">Dispose the stream with the writer.</param>
    public PcapNgWriter(Stream stream, string? application = "PcapStream", bool ownsStream = true)
    {
        ArgumentNullException.ThrowIfNull(stream);
        _stream = stream;
        _ownsStream = ownsStream;
        byte[] appl = application is null ? [] : Encoding.UTF8.GetBytes(application);
        int options = appl.Length == 0 ? 0 : 4 + Pad4(appl.Length) + 4; // option + opt_endofopt
        int total = 28 + options;
        Span<byte> h = stackalloc byte[24];
        BinaryPrimitives.WriteUInt32LittleEndian(h, SectionHeaderType);
        BinaryPrimitives.WriteInt32LittleEndian(h[4..], total);
        BinaryPrimitives.WriteUInt32LittleEndian(h[8..], 0x1A2B3C4D);
        BinaryPrimitives.WriteUInt16LittleEndian(h[12..], 1);
        BinaryPrimitives.WriteUInt16LittleEndian(h[14..], 0);
        BinaryPrimitives.WriteInt64LittleEndian(h[16..], -1); // section length not known in advance
        _stream.Write(h);
        if (appl.Length > 0)
        {
            WriteOption(4, appl); // shb_userappl
            WriteEndOfOptions();
        }
        WriteInt32(total);
    }

    /// <summary>Creates (or replaces) a pcapng file.</summary>
    public static PcapNgWriter Create(string path) =>
        new(new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.Read, 1 << 16));

    /// <summary>Packets written so far.</summary>
    public long Count { get; private set; }

    /// <summary>
    /// Adds an interface (an IDB) and returns its id for <see cref="Write"/>.
    /// </summary>
    /// <param name="linkType">LINKTYPE_ value.</param>
    /// <param name="timestampResolution">The <c>if_tsresol</c> byte: 6 microseconds (pcapng's default, no option
    /// written), 9 nanoseconds; high bit set means a power of two.</param>
    /// <param name="snapLength">Maximum captured bytes per packet, 0 for no limit.</param>
    /// <param name="name">Written as <c>if_name</c> (e.g. the source capture); null for none.</param>
    public int AddInterface(int linkType, byte timestampResolution = 6, int snapLength = 0, string? name = null)
    {
        byte[] nameBytes = name is null ? [] : Encoding.UTF8.GetBytes(name);
        int options = 0;
        if (nameBytes.Length > 0)
        {
            options += 4 + Pad4(nameBytes.Length);
        }
        if (timestampResolution != 6)
        {
            options += 4 + 4;
        }
        if (options > 0)
        {
            options += 4;
        }
        int total = 20 + options;
        Span<byte> h = stackalloc byte[16];
        BinaryPrimitives.WriteUInt32LittleEndian(h, InterfaceDescriptionType);
        BinaryPrimitives.WriteInt32LittleEndian(h[4..], total);
        BinaryPrimitives.WriteUInt16LittleEndian(h[8..], checked((ushort)linkType));
        BinaryPrimitives.WriteUInt16LittleEndian(h[10..], 0);
        BinaryPrimitives.WriteInt32LittleEndian(h[12..], snapLength);
        _stream.Write(h);
        if (nameBytes.Length > 0)
        {
            WriteOption(2, nameBytes); // if_name
        }
        if (timestampResolution != 6)
        {
            WriteOption(9, [timestampResolution]); // if_tsresol
        }
        if (options > 0)
        {
            WriteEndOfOptions();
        }
        WriteInt32(total);
        return _interfaces++;
    }

    /// <summary>Appends one Enhanced Packet Block.</summary>
    /// <param name="interfaceId">An id returned by <see cref="AddInterface"/>.</param>
    /// <param name="timestamp">Packet time in the interface's resolution units since the Unix epoch (for
    /// resolution 6: microseconds; 9: nanoseconds), written as is so no precision is lost or invented.</param>
    /// <param name="data">Captured bytes.</param>
    /// <param name="originalLength">Wire length; defaults to <c>data.Length</c>.</param>
    public void Write(int interfaceId, ulong timestamp, ReadOnlySpan<byte> data, int originalLength = -1)
    {
        if ((uint)interfaceId >= (uint)_interfaces)
        {
            throw new ArgumentOutOfRangeException(nameof(interfaceId), interfaceId, "no such interface: call AddInterface first");
        }
        int padded = Pad4(data.Length);
        int total = 32 + padded;
        BinaryPrimitives.WriteUInt32LittleEndian(_header, EnhancedPacketType);
        BinaryPrimitives.WriteInt32LittleEndian(_header.AsSpan(4), total);
        BinaryPrimitives.WriteInt32LittleEndian(_header.AsSpan(8), interfaceId);
        BinaryPrimitives.WriteUInt32LittleEndian(_header.AsSpan(12), (uint)(timestamp >> 32));
        BinaryPrimitives.WriteUInt32LittleEndian(_header.AsSpan(16), (uint)timestamp);
        BinaryPrimitives.WriteInt32LittleEndian(_header.AsSpan(20), data.Length);
        BinaryPrimitives.WriteInt32LittleEndian(_header.AsSpan(24), originalLength < 0 ? data.Length : originalLength);
        _stream.Write(_header);
        _stream.Write(data);
        _stream.Write(Padding, 0, padded - data.Length);
        WriteInt32(total);
        Count++;
    }

    public void Flush() => _stream.Flush();

    public void Dispose()
    {
        _stream.Flush();
        if (_ownsStream)
        {
            _stream.Dispose();
        }
    }

    private static int Pad4(int n) => (n + 3) & ~3;

    private void WriteOption(ushort code, ReadOnlySpan<byte> value)
    {
        Span<byte> h = stackalloc byte[4];
        BinaryPrimitives.WriteUInt16LittleEndian(h, code);
        BinaryPrimitives.WriteUInt16LittleEndian(h[2..], checked((ushort)value.Length));
        _stream.Write(h);
        _stream.Write(value);
        _stream.Write(Padding, 0, Pad4(value.Length) - value.Length);
    }

    private void WriteEndOfOptions() => WriteInt32(0);

    private void WriteInt32(int value)
    {
        Span<byte> b = stackalloc byte[4];
        BinaryPrimitives.WriteInt32LittleEndian(b, value);
        _stream.Write(b);
    }
}
