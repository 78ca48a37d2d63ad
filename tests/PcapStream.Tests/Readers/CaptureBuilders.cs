using System.Buffers.Binary;

namespace PcapStream.Tests.Readers;

/// <summary>
/// Writes classic pcap bytes in any of the four variants (PcapWriter only writes little-endian), so tests can
/// check what the reader makes of big-endian and nanosecond files without third-party captures.
/// </summary>
internal sealed class PcapBuilder
{
    private readonly MemoryStream _out = new();
    private readonly bool _bigEndian;

    public PcapBuilder(bool bigEndian, bool nanosecond, uint snapLength = 65535, uint linkTypeField = 1, ushort major = 2, ushort minor = 4)
    {
        _bigEndian = bigEndian;
        U32(nanosecond ? 0xa1b23c4du : 0xa1b2c3d4u);
        U16(major);
        U16(minor);
        U32(0);
        U32(0);
        U32(snapLength);
        U32(linkTypeField);
    }

    /// <summary>Offsets of the records written, in order.</summary>
    public List<long> Offsets { get; } = [];

    public PcapBuilder Record(uint seconds, uint fraction, byte[] data, uint originalLength = uint.MaxValue, uint? capLengthField = null)
    {
        Offsets.Add(_out.Length);
        U32(seconds);
        U32(fraction);
        U32(capLengthField ?? (uint)data.Length);
        U32(originalLength == uint.MaxValue ? (uint)data.Length : originalLength);
        _out.Write(data);
        return this;
    }

    public byte[] ToArray() => _out.ToArray();

    private void U16(ushort v)
    {
        Span<byte> b = stackalloc byte[2];
        if (_bigEndian) { BinaryPrimitives.WriteUInt16BigEndian(b, v); } else { BinaryPrimitives.WriteUInt16LittleEndian(b, v); }
        _out.Write(b);
    }

    private void U32(uint v)
    {
        Span<byte> b = stackalloc byte[4];
        if (_bigEndian) { BinaryPrimitives.WriteUInt32BigEndian(b, v); } else { BinaryPrimitives.WriteUInt32LittleEndian(b, v); }
        _out.Write(b);
    }
}

/// <summary>
/// Writes pcapng blocks (pcapng spec, draft-ietf-opsawg-pcapng) in either byte order, one section at a time:
/// SHB, IDB with if_tsresol/if_tsoffset, EPB (with an options trailer), SPB, obsolete PB, NRB and custom blocks.
/// </summary>
internal sealed class PcapNgBuilder
{
    private readonly MemoryStream _out = new();
    private bool _bigEndian;

    /// <summary>Offsets of the packet blocks written, in order.</summary>
    public List<long> PacketOffsets { get; } = [];

    /// <summary>Lengths of the packet blocks written, in order.</summary>
    public List<int> PacketLengths { get; } = [];

    public PcapNgBuilder Section(bool bigEndian, string? comment = null)
    {
        _bigEndian = bigEndian;
        byte[] options = comment is null ? [] : Options((1, System.Text.Encoding.UTF8.GetBytes(comment)));
        Block(0x0A0D0D0A, body =>
        {
            body.U32(0x1A2B3C4D);
            body.U16(1);
            body.U16(0);
            body.U64(ulong.MaxValue); // section length unknown
            body.Bytes(options);
        });
        return this;
    }

    public PcapNgBuilder Interface(ushort linkType, uint snapLength = 0, byte? tsresol = null, long? tsoffset = null)
    {
        List<(ushort, byte[])> opts = [(2, "eth0"u8.ToArray())];
        if (tsresol is byte r)
        {
            opts.Add((9, [r]));
        }
        if (tsoffset is long o)
        {
            byte[] v = new byte[8];
            if (_bigEndian) { BinaryPrimitives.WriteInt64BigEndian(v, o); } else { BinaryPrimitives.WriteInt64LittleEndian(v, o); }
            opts.Add((14, v));
        }
        byte[] options = Options([.. opts]);
        Block(1, body =>
        {
            body.U16(linkType);
            body.U16(0);
            body.U32(snapLength);
            body.Bytes(options);
        });
        return this;
    }

    public PcapNgBuilder Enhanced(uint interfaceId, ulong timestamp, byte[] data, uint originalLength = uint.MaxValue, bool withComment = false)
    {
        byte[] options = withComment ? Options((1, "a packet comment"u8.ToArray())) : [];
        Packet(6, body =>
        {
            body.U32(interfaceId);
            body.U32((uint)(timestamp >> 32));
            body.U32((uint)timestamp);
            body.U32((uint)data.Length);
            body.U32(originalLength == uint.MaxValue ? (uint)data.Length : originalLength);
            body.Padded(data);
            body.Bytes(options);
        });
        return this;
    }

    public PcapNgBuilder Simple(byte[] data, uint originalLength = uint.MaxValue)
    {
        Packet(3, body =>
        {
            body.U32(originalLength == uint.MaxValue ? (uint)data.Length : originalLength);
            body.Padded(data);
        });
        return this;
    }

    public PcapNgBuilder Obsolete(ushort interfaceId, ulong timestamp, byte[] data)
    {
        Packet(2, body =>
        {
            body.U16(interfaceId);
            body.U16(0); // drops
            body.U32((uint)(timestamp >> 32));
            body.U32((uint)timestamp);
            body.U32((uint)data.Length);
            body.U32((uint)data.Length);
            body.Padded(data);
        });
        return this;
    }

    /// <summary>A Name Resolution Block with one IPv4 record, or any other block type with a raw body.</summary>
    public PcapNgBuilder Other(uint type, byte[] body)
    {
        Block(type, b => b.Padded(body));
        return this;
    }

    public byte[] ToArray() => _out.ToArray();

    private void Packet(uint type, Action<BodyWriter> body)
    {
        PacketOffsets.Add(_out.Length);
        long before = _out.Length;
        Block(type, body);
        PacketLengths.Add((int)(_out.Length - before));
    }

    private void Block(uint type, Action<BodyWriter> write)
    {
        BodyWriter body = new(_bigEndian);
        write(body);
        byte[] content = body.ToArray();
        uint length = (uint)(12 + content.Length);
        BodyWriter block = new(_bigEndian);
        block.U32(type);
        block.U32(length);
        block.Bytes(content);
        block.U32(length);
        _out.Write(block.ToArray());
    }

    private byte[] Options(params (ushort Code, byte[] Value)[] options)
    {
        BodyWriter w = new(_bigEndian);
        foreach ((ushort code, byte[] value) in options)
        {
            w.U16(code);
            w.U16((ushort)value.Length);
            w.Padded(value);
        }
        w.U32(0); // opt_endofopt
        return w.ToArray();
    }

    private sealed class BodyWriter(bool bigEndian)
    {
        private readonly MemoryStream _s = new();

        public void U16(ushort v)
        {
            Span<byte> b = stackalloc byte[2];
            if (bigEndian) { BinaryPrimitives.WriteUInt16BigEndian(b, v); } else { BinaryPrimitives.WriteUInt16LittleEndian(b, v); }
            _s.Write(b);
        }

        public void U32(uint v)
        {
            Span<byte> b = stackalloc byte[4];
            if (bigEndian) { BinaryPrimitives.WriteUInt32BigEndian(b, v); } else { BinaryPrimitives.WriteUInt32LittleEndian(b, v); }
            _s.Write(b);
        }

        public void U64(ulong v)
        {
            Span<byte> b = stackalloc byte[8];
            if (bigEndian) { BinaryPrimitives.WriteUInt64BigEndian(b, v); } else { BinaryPrimitives.WriteUInt64LittleEndian(b, v); }
            _s.Write(b);
        }

        public void Bytes(byte[] v) => _s.Write(v);

        public void Padded(byte[] v)
        {
            _s.Write(v);
            _s.Write(new byte[(4 - (v.Length & 3)) & 3]);
        }

        public byte[] ToArray() => _s.ToArray();
    }
}

internal static class Packets
{
    /// <summary>A deterministic pseudo-packet of <paramref name="length"/> bytes whose content names its index.</summary>
    public static byte[] Make(int index, int length)
    {
        byte[] p = new byte[length];
        for (int i = 0; i < length; i++)
        {
            p[i] = (byte)(index * 31 + i);
        }
        return p;
    }
}
