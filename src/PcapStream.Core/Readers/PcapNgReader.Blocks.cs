using System.Buffers.Binary;
using System.Runtime.CompilerServices;

namespace PcapStream.Readers;

public sealed partial class PcapNgReader
{
    private const ushort OptionEnd = 0;
    private const ushort OptionTimestampResolution = 9;
    private const ushort OptionTimestampOffset = 14;

    private void SetByteOrder(long offset, uint magicLittleEndian)
    {
        if (magicLittleEndian == ByteOrderMagic)
        {
            _bigEndian = false;
        }
        else if (magicLittleEndian == BinaryPrimitives.ReverseEndianness(ByteOrderMagic))
        {
            _bigEndian = true;
        }
        else
        {
            CaptureThrow.Corrupt(_path, offset + 8, _records + 1,
                $"pcapng section header has an unknown byte-order magic 0x{magicLittleEndian:x8}");
        }
    }

    /// <summary>A new section: new byte order (already set), interface ids start again at 0.</summary>
    private void SectionHeader(byte[] data, int start, int length)
    {
        long offset = _buf.BaseOffset + start;
        if (length < 28)
        {
            CaptureThrow.Corrupt(_path, offset, _records + 1, $"pcapng section header block of {length} bytes (minimum 28)");
        }
        ushort major = Read16(data, start + 12);
        ushort minor = Read16(data, start + 14);
        if (major != 1 || minor is not (0 or 2))
        {
            CaptureThrow.Corrupt(_path, offset + 12, _records + 1,
                $"unsupported pcapng version {major}.{minor} (1.0 is the format; libpcap also accepts 1.2)");
        }
        CheckOptions(data, start + 24, start + length - 4);
        _section++;
        Array.Clear(_interfaces);
        _interfaceCount = 0;
    }

    private void InterfaceDescription(byte[] data, int start, int length)
    {
        long offset = _buf.BaseOffset + start;
        if (_section == 0)
        {
            CaptureThrow.Corrupt(_path, offset, _records + 1, "pcapng interface description before any section header");
        }
        if (length < 20)
        {
            CaptureThrow.Corrupt(_path, offset, _records + 1, $"pcapng interface description block of {length} bytes (minimum 20)");
        }
        int linkType = Read16(data, start + 8);
        uint snapLength = Read32(data, start + 12);
        byte resolution = 6;
        long tsOffset = 0;
        int end = start + length - 4;
        int p = start + 16;
        while (p + 4 <= end)
        {
            ushort code = Read16(data, p);
            ushort optLength = Read16(data, p + 2);
            int value = p + 4;
            if (code == OptionEnd)
            {
                break;
            }
            if (value + optLength > end)
            {
                CaptureThrow.Corrupt(_path, _buf.BaseOffset + p, _records + 1,
                    $"pcapng option {code} of {optLength} bytes runs past its block");
            }
            if (code == OptionTimestampResolution && optLength >= 1)
            {
                resolution = data[value];
            }
            else if (code == OptionTimestampOffset && optLength >= 8)
            {
                ulong raw = BinaryPrimitives.ReadUInt64LittleEndian(data.AsSpan(value));
                tsOffset = (long)(_bigEndian ? BinaryPrimitives.ReverseEndianness(raw) : raw);
            }
            p = value + ((optLength + 3) & ~3);
        }
        AddInterface(new PcapNgInterface(linkType, snapLength, resolution, tsOffset));
    }

    /// <summary>Options must stay inside their block (libpcap rejects the file otherwise).</summary>
    private void CheckOptions(byte[] data, int p, int end)
    {
        while (p + 4 <= end)
        {
            ushort code = Read16(data, p);
            ushort optLength = Read16(data, p + 2);
            if (code == OptionEnd)
            {
                return;
            }
            if (p + 4 + optLength > end)
            {
                CaptureThrow.Corrupt(_path, _buf.BaseOffset + p, _records + 1,
                    $"pcapng option {code} of {optLength} bytes runs past its block");
            }
            p += 4 + ((optLength + 3) & ~3);
        }
    }

    private void AddInterface(PcapNgInterface i)
    {
        if (_interfaceCount == _interfaces.Length)
        {
            Array.Resize(ref _interfaces, _interfaces.Length * 2);
        }
        _interfaces[_interfaceCount++] = i;
    }

    private PcapNgInterface InterfaceOf(uint id, int start)
    {
        if (id >= (uint)_interfaceCount)
        {
            CaptureThrow.Corrupt(_path, _buf.BaseOffset + start, _records + 1,
                $"pcapng packet refers to interface {id} but section {_section} describes {_interfaceCount}");
        }
        return _interfaces[id];
    }

    /// <summary>EPB: interface id, 64-bit timestamp, caplen, len, data, padding, options.</summary>
    private CaptureRecord EnhancedPacket(byte[] data, int start, int length)
    {
        if (length < 32)
        {
            CaptureThrow.Corrupt(_path, _buf.BaseOffset + start, _records + 1, $"pcapng enhanced packet block of {length} bytes (minimum 32)");
        }
        return TimestampedPacket(data, start, length, Read32(data, start + 8));
    }

    /// <summary>SPB: interface 0, no timestamp; caplen = min(len, snaplen, room in the block) as the spec says.</summary>
    private CaptureRecord SimplePacket(byte[] data, int start, int length)
    {
        if (length < 16)
        {
            CaptureThrow.Corrupt(_path, _buf.BaseOffset + start, _records + 1, $"pcapng simple packet block of {length} bytes (minimum 16)");
        }
        PcapNgInterface iface = InterfaceOf(0, start);
        uint wireLen = Read32(data, start + 8);
        uint capLen = Math.Min(wireLen, (uint)(length - 16));
        if (iface.SnapLength != 0)
        {
            capLen = Math.Min(capLen, iface.SnapLength);
        }
        return new CaptureRecord
        {
            Data = new ReadOnlySpan<byte>(data, start + 12, (int)capLen),
            FileOffset = _buf.BaseOffset + start,
            RecordLength = length,
            FrameNumber = ++_records,
            HasTimestamp = false,
            OriginalLength = (int)Math.Min(wireLen, int.MaxValue),
            LinkType = iface.LinkType,
            InterfaceId = 0,
            Section = _section,
        };
    }

    /// <summary>Obsolete Packet Block (type 2): 16-bit interface id, 16-bit drop count, then as an EPB.</summary>
    private CaptureRecord ObsoletePacket(byte[] data, int start, int length)
    {
        if (length < 32)
        {
            CaptureThrow.Corrupt(_path, _buf.BaseOffset + start, _records + 1, $"pcapng packet block of {length} bytes (minimum 32)");
        }
        return TimestampedPacket(data, start, length, Read16(data, start + 8));
    }

    /// <summary>
    /// The layout EPB and the obsolete Packet Block share after the interface id (block of at least 32 bytes,
    /// checked by the caller): 64-bit timestamp, caplen, len, data. Inlined into both, so the EPB path costs what it
    /// did when it was written out there.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private CaptureRecord TimestampedPacket(byte[] data, int start, int length, uint id)
    {
        PcapNgInterface iface = InterfaceOf(id, start);
        ulong units = ((ulong)Read32(data, start + 12) << 32) | Read32(data, start + 16);
        uint capLen = Read32(data, start + 20);
        uint wireLen = Read32(data, start + 24);
        if (capLen > (uint)(length - 32))
        {
            CaptureThrow.Corrupt(_path, _buf.BaseOffset + start, _records + 1,
                $"pcapng packet of {capLen} captured bytes runs past its {length}-byte block");
        }
        return new CaptureRecord
        {
            Data = new ReadOnlySpan<byte>(data, start + 28, (int)capLen),
            FileOffset = _buf.BaseOffset + start,
            RecordLength = length,
            FrameNumber = ++_records,
            TimestampNanos = iface.ToNanoseconds(units),
            HasTimestamp = true,
            OriginalLength = (int)Math.Min(wireLen, int.MaxValue),
            LinkType = iface.LinkType,
            InterfaceId = (int)id,
            Section = _section,
        };
    }
}
