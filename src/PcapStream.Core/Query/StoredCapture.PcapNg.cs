using System.Buffers.Binary;
using PcapStream.Readers;

namespace PcapStream.Query;

/// <summary>pcapng: sections, interfaces, and packet blocks read at an offset.</summary>
public sealed partial class StoredCapture
{
    private const uint ShbType = 0x0A0D0D0A;
    private const uint IdbType = 1;
    private const uint ObsoletePacketType = 2;
    private const uint SimplePacketType = 3;
    private const uint EnhancedPacketType = 6;

    /// <summary>Sections in file order. Only the header region is read at open; see <see cref="Rewalk"/>.</summary>
    private readonly List<Section> _sections = [];
    private long _walkedTo;

    private sealed class Section(long start, bool bigEndian)
    {
        public long Start { get; } = start;
        public bool BigEndian { get; } = bigEndian;
        public List<Interface> Interfaces { get; } = [];
    }

    private readonly record struct Interface(int LinkType, int SnapLength, byte Resolution, long OffsetSeconds);

    /// <summary>
    /// Reads the blocks at the start of the file up to the first packet block: the Section Header and the Interface
    /// Descriptions a writer puts first. Interfaces described later, or later sections, are found by
    /// <see cref="Rewalk"/> only when a record needs them, so the common single-section file costs one small read.
    /// </summary>
    private void ReadPcapNgHeader() => Walk(0, untilFirstPacket: true);

    /// <summary>
    /// Walks every block header from the start to <paramref name="offset"/> so that the section and interfaces in force
    /// there are known (a file with several sections, or interfaces described after packets). Returns false when
    /// that walk was already done (then a mismatch at that offset means the file changed).
    /// </summary>
    public bool Rewalk(long offset)
    {
        if (Format != CaptureFormat.PcapNg || _walkedTo >= offset)
        {
            return false;
        }
        _sections.Clear();
        Walk(offset, untilFirstPacket: false);
        return true;
    }

    private void Walk(long limit, bool untilFirstPacket)
    {
        Span<byte> h = stackalloc byte[12];
        long position = 0;
        while (untilFirstPacket || position < limit)
        {
            if (ReadAt(position, h) < 12)
            {
                break;
            }
            uint type = BinaryPrimitives.ReadUInt32LittleEndian(h);
            if (type == ShbType)
            {
                uint bom = BinaryPrimitives.ReadUInt32LittleEndian(h[8..]);
                bool big = bom switch
                {
                    0x1A2B3C4D => false,
                    0x4D3C2B1A => true,
                    _ => ThrowChanged<bool>($"bad pcapng byte-order magic at offset {position}"),
                };
                _sections.Add(new Section(position, big));
            }
            else if (_sections.Count == 0)
            {
                ThrowChanged("it does not start with a pcapng Section Header Block");
            }
            Section section = _sections[^1];
            type = section.BigEndian ? BinaryPrimitives.ReadUInt32BigEndian(h) : BinaryPrimitives.ReadUInt32LittleEndian(h);
            uint length = section.BigEndian ? BinaryPrimitives.ReadUInt32BigEndian(h[4..]) : BinaryPrimitives.ReadUInt32LittleEndian(h[4..]);
            if (length < 12 || length % 4 != 0 || length > MaxRecordLength)
            {
                ThrowChanged($"bad pcapng block length {length} at offset {position}");
            }
            if (type == IdbType)
            {
                section.Interfaces.Add(ReadInterface(section, position, (int)length));
            }
            else if (untilFirstPacket && type is EnhancedPacketType or SimplePacketType or ObsoletePacketType)
            {
                break;
            }
            position += length;
        }
        _walkedTo = Math.Max(_walkedTo, untilFirstPacket ? position : limit);
    }

    private Interface ReadInterface(Section section, long position, int length)
    {
        byte[] block = Buffer(length);
        if (ReadAt(position, block.AsSpan(0, length)) < length)
        {
            ThrowChanged($"the file ends inside the interface description at offset {position}");
        }
        ReadOnlySpan<byte> b = block.AsSpan(0, length);
        int linkType = U16(section, b[8..]);
        int snap = (int)U32(section, b[12..]);
        byte resolution = 6;
        long offsetSeconds = 0;
        int o = 16;
        while (o + 4 <= length - 4)
        {
            int code = U16(section, b[o..]);
            int len = U16(section, b[(o + 2)..]);
            if (code == 0 || o + 4 + len > length - 4)
            {
                break;
            }
            if (code == 9 && len >= 1)
            {
                resolution = b[o + 4];
            }
            else if (code == 14 && len >= 8)
            {
                offsetSeconds = section.BigEndian ? BinaryPrimitives.ReadInt64BigEndian(b[(o + 4)..]) : BinaryPrimitives.ReadInt64LittleEndian(b[(o + 4)..]);
            }
            o += 4 + ((len + 3) & ~3);
        }
        return new Interface(linkType, snap, resolution, offsetSeconds);
    }

    private StoredRecord ReadPcapNg(long offset)
    {
        Section? section = SectionAt(offset);
        if (section is null)
        {
            ThrowChanged($"offset {offset} is before the first pcapng section");
        }
        Span<byte> h = stackalloc byte[8];
        if (ReadAt(offset, h) < 8)
        {
            ThrowChanged($"the file ends before the block at offset {offset}");
        }
        uint type = U32(section, h);
        uint length = U32(section, h[4..]);
        if (type is not (EnhancedPacketType or SimplePacketType or ObsoletePacketType) || length < 16 || length % 4 != 0 || length > MaxRecordLength)
        {
            ThrowChanged($"no packet block at offset {offset} (block type 0x{type:x}, length {length})");
        }
        byte[] buffer = Buffer((int)length);
        Span<byte> b = buffer.AsSpan(0, (int)length);
        if (ReadAt(offset, b) < length || U32(section, b[^4..]) != length)
        {
            ThrowChanged($"the packet block at offset {offset} is cut short or damaged");
        }
        int interfaceId = type switch
        {
            EnhancedPacketType => (int)U32(section, b[8..]),
            ObsoletePacketType => U16(section, b[8..]),
            _ => 0,
        };
        if (interfaceId >= section.Interfaces.Count)
        {
            if (Rewalk(offset))
            {
                return ReadPcapNg(offset);
            }
            ThrowChanged($"the packet block at offset {offset} names interface {interfaceId}, which its section does not describe");
        }
        Interface iface = section.Interfaces[interfaceId];
        int caplen, wire, dataOffset;
        ulong raw = 0;
        if (type == SimplePacketType)
        {
            // SPB: no timestamp, caplen is the original length cut to the snap length (and to the block).
            wire = (int)U32(section, b[8..]);
            caplen = Math.Min(wire, (int)length - 16);
            if (iface.SnapLength > 0)
            {
                caplen = Math.Min(caplen, iface.SnapLength);
            }
            dataOffset = 12;
        }
        else
        {
            raw = ((ulong)U32(section, b[12..]) << 32) | U32(section, b[16..]);
            caplen = (int)U32(section, b[20..]);
            wire = (int)U32(section, b[24..]);
            dataOffset = 28;
            if (caplen < 0 || dataOffset + caplen > length - 4)
            {
                ThrowChanged($"the packet block at offset {offset} has captured length {caplen} beyond its end");
            }
        }
        ulong unitsPerSecond = UnitsPerSecond(iface.Resolution);
        raw += (ulong)(iface.OffsetSeconds * (long)unitsPerSecond);
        long nanos = type == SimplePacketType ? 0 : (long)((UInt128)raw * 1_000_000_000UL / unitsPerSecond);
        return new StoredRecord
        {
            Record = buffer.AsMemory(0, (int)length),
            DataOffset = dataOffset,
            CapturedLength = caplen,
            OriginalLength = wire,
            TimestampNanos = nanos,
            RawTimestamp = raw,
            TimestampResolution = iface.Resolution,
            LinkType = iface.LinkType,
            SnapLength = iface.SnapLength,
        };
    }

    /// <summary>The timestamp resolutions of the interfaces known so far (pcapng).</summary>
    public IEnumerable<byte> Resolutions()
    {
        foreach (Section section in _sections)
        {
            foreach (Interface iface in section.Interfaces)
            {
                yield return iface.Resolution;
            }
        }
    }

    /// <summary>Units per second of an <c>if_tsresol</c> byte: 10^n, or 2^n with the high bit set.</summary>
    public static ulong UnitsPerSecond(byte resolution)
    {
        int n = resolution & 0x7f;
        if ((resolution & 0x80) != 0)
        {
            return n >= 63 ? 1UL << 62 : 1UL << n;
        }
        ulong units = 1;
        for (int i = 0; i < Math.Min(n, 19); i++)
        {
            units *= 10;
        }
        return units;
    }

    private Section? SectionAt(long offset)
    {
        for (int i = _sections.Count - 1; i >= 0; i--)
        {
            if (_sections[i].Start <= offset)
            {
                return _sections[i];
            }
        }
        return null;
    }

    private static uint U32(Section s, ReadOnlySpan<byte> b) =>
        s.BigEndian ? BinaryPrimitives.ReadUInt32BigEndian(b) : BinaryPrimitives.ReadUInt32LittleEndian(b);

    private static ushort U16(Section s, ReadOnlySpan<byte> b) =>
        s.BigEndian ? BinaryPrimitives.ReadUInt16BigEndian(b) : BinaryPrimitives.ReadUInt16LittleEndian(b);
}
