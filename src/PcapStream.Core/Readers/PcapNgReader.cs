using System.Buffers.Binary;
using System.Runtime.CompilerServices;

namespace PcapStream.Readers;

/// <summary>
/// pcapng reader: any number of sections, each little- or big-endian; several interfaces with different link
/// types, <c>if_tsresol</c> (decimal or power-of-two) and <c>if_tsoffset</c>; Enhanced (6), Simple (3) and obsolete
/// Packet (2) blocks are packets; every other block (NRB, ISB, DSB, custom, unknown) is checked for framing and
/// skipped. Only packets are counted in <see cref="CaptureRecord.FrameNumber"/> (Wireshark also numbers custom
/// blocks). Records are spans into one reused buffer; nothing is allocated per record.
/// </summary>
/// <remarks>
/// Framing errors are <see cref="CaptureFormatException"/>: a block length below 12 (28 for a section header) or not
/// a multiple of 4, above <see cref="MaxBlockLength"/>, a trailing length that differs from the leading one, an
/// unknown byte-order magic, a section version other than 1.0/1.2 (libpcap's rule), an option or packet that runs
/// past its block, a packet naming an interface the section has not described. A block that runs past the end of
/// the data is not an error here: <see cref="CaptureReader.End"/> is then <see cref="CaptureEnd.Incomplete"/>.
/// </remarks>
public sealed partial class PcapNgReader : CaptureReader
{
    /// <summary>Largest block accepted (bounds the buffer); Wireshark's own limit is 16 MiB for a packet.</summary>
    public const int MaxBlockLength = 256 << 20;

    internal const uint SectionHeaderType = 0x0A0D0D0A;
    internal const uint InterfaceDescriptionType = 1;
    internal const uint ObsoletePacketType = 2;
    internal const uint SimplePacketType = 3;
    internal const uint EnhancedPacketType = 6;
    internal const uint ByteOrderMagic = 0x1A2B3C4D;

    private readonly CaptureBuffer _buf;
    private readonly string _path;
    private readonly bool _compressed;
    private bool _bigEndian;
    private int _section;
    private PcapNgInterface[] _interfaces = new PcapNgInterface[4];
    private int _interfaceCount;
    private long _records;
    private CaptureEnd _end;
    private long _incompleteOffset;

    internal PcapNgReader(CaptureBuffer buffer, string path, bool compressed, CaptureResumePoint? resume)
    {
        _buf = buffer;
        _path = path;
        _compressed = compressed;
        if (resume is not null)
        {
            _records = resume.RecordsRead;
            _section = resume.Section;
            _bigEndian = resume.BigEndian;
            foreach (PcapNgInterface i in resume.Interfaces)
            {
                AddInterface(i);
            }
        }
    }

    /// <inheritdoc/>
    public override string Path => _path;

    /// <inheritdoc/>
    public override CaptureFormat Format => CaptureFormat.PcapNg;

    /// <inheritdoc/>
    public override bool IsCompressed => _compressed;

    /// <inheritdoc/>
    public override CaptureEnd End => _end;

    /// <inheritdoc/>
    public override long IncompleteOffset => _incompleteOffset;

    /// <inheritdoc/>
    public override long RecordsRead => _records;

    /// <inheritdoc/>
    public override long BytesConsumed => _buf.Position;

    /// <summary>Number (1-based) of the section being read; 0 before the first section header.</summary>
    public int Section => _section;

    /// <summary>True when the current section is big-endian.</summary>
    public bool SectionBigEndian => _bigEndian;

    /// <summary>Interfaces described so far in the current section, indexed by interface id (the record's
    /// <see cref="CaptureRecord.InterfaceId"/>). Allocates a copy; call it per file or per section, not per packet.</summary>
    public IReadOnlyList<PcapNgInterface> Interfaces => _interfaces.AsSpan(0, _interfaceCount).ToArray();

    /// <summary>Interface <paramref name="id"/> of the current section (no allocation).</summary>
    /// <exception cref="ArgumentOutOfRangeException">The section has no such interface.</exception>
    public PcapNgInterface GetInterface(int id)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(id);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(id, _interfaceCount);
        return _interfaces[id];
    }

    /// <inheritdoc/>
    public override bool TryRead(out CaptureRecord record)
    {
        CaptureBuffer b = _buf;
        while (true)
        {
            if (!b.Ensure(12))
            {
                return EndOfData(out record);
            }
            int start = b.Start;
            byte[] data = b.Data;
            uint type = Read32(data, start);
            if (type == SectionHeaderType)
            {
                // The byte order of the length is that of the new section, given by the magic after it.
                SetByteOrder(b.Position, BinaryPrimitives.ReadUInt32LittleEndian(data.AsSpan(start + 8)));
            }
            uint length = Read32(data, start + 4);
            if (length < 12 || (length & 3) != 0 || length > MaxBlockLength)
            {
                CaptureThrow.Corrupt(_path, b.Position, _records + 1,
                    $"impossible pcapng block length {length} (block type 0x{type:x8})");
            }
            if (!b.Ensure((int)length))
            {
                return EndOfData(out record);
            }
            start = b.Start;
            data = b.Data;
            if (Read32(data, start + (int)length - 4) != length)
            {
                CaptureThrow.Corrupt(_path, b.Position, _records + 1,
                    $"pcapng block length {length} does not match its trailing length {Read32(data, start + (int)length - 4)} (block type 0x{type:x8})");
            }
            if (type == EnhancedPacketType)
            {
                record = EnhancedPacket(data, start, (int)length);
                b.Start = start + (int)length;
                return true;
            }
            switch (type)
            {
                case SimplePacketType:
                    record = SimplePacket(data, start, (int)length);
                    b.Start = start + (int)length;
                    return true;
                case ObsoletePacketType:
                    record = ObsoletePacket(data, start, (int)length);
                    b.Start = start + (int)length;
                    return true;
                case SectionHeaderType:
                    SectionHeader(data, start, (int)length);
                    break;
                case InterfaceDescriptionType:
                    InterfaceDescription(data, start, (int)length);
                    break;
                default:
                    // NRB, ISB, DSB, custom and unknown blocks: framing already checked, content not needed.
                    break;
            }
            b.Start = start + (int)length;
        }
    }

    private bool EndOfData(out CaptureRecord record)
    {
        record = default;
        _end = _buf.EndOfData(ref _incompleteOffset);
        return false;
    }

    /// <inheritdoc/>
    public override CaptureResumePoint GetResumePoint() =>
        new(CaptureFormat.PcapNg, BytesConsumed, _records, _section, _bigEndian, _interfaces.AsSpan(0, _interfaceCount).ToArray());

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private uint Read32(byte[] data, int index)
    {
        ReadOnlySpan<byte> s = data.AsSpan(index, 4);
        return _bigEndian ? BinaryPrimitives.ReadUInt32BigEndian(s) : BinaryPrimitives.ReadUInt32LittleEndian(s);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private ushort Read16(byte[] data, int index)
    {
        ReadOnlySpan<byte> s = data.AsSpan(index, 2);
        return _bigEndian ? BinaryPrimitives.ReadUInt16BigEndian(s) : BinaryPrimitives.ReadUInt16LittleEndian(s);
    }

    /// <inheritdoc/>
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _buf.Dispose();
        }
        base.Dispose(disposing);
    }
}
