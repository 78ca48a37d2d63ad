using System.Buffers.Binary;
using System.Runtime.CompilerServices;

namespace PcapStream.Sinks.Parquet;

/// <summary>
/// A growable byte buffer reused across pages and row groups (it keeps its capacity): page payloads, Thrift
/// headers and dictionary pages are assembled here before compression. Grows by doubling, so a writer reaches
/// its working size after the first row group and allocates nothing afterwards.
/// </summary>
internal sealed class ByteSink(int capacity = 1 << 16)
{
    private byte[] _buffer = new byte[capacity];

    /// <summary>Bytes written.</summary>
    public int Length { get; private set; }

    /// <summary>The bytes written so far.</summary>
    public ReadOnlySpan<byte> Written => _buffer.AsSpan(0, Length);

    /// <summary>Forgets the content, keeps the capacity.</summary>
    public void Clear() => Length = 0;

    /// <summary>A span of at least <paramref name="size"/> writable bytes at the end; commit with <see cref="Advance"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Span<byte> GetSpan(int size)
    {
        if (_buffer.Length - Length < size)
        {
            Grow(size);
        }
        return _buffer.AsSpan(Length);
    }

    /// <summary>Commits <paramref name="count"/> bytes written into the last <see cref="GetSpan"/>.</summary>
    public void Advance(int count) => Length += count;

    /// <summary>Appends one byte.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void WriteByte(byte value)
    {
        if (Length == _buffer.Length)
        {
            Grow(1);
        }
        _buffer[Length++] = value;
    }

    /// <summary>Appends bytes.</summary>
    public void Write(ReadOnlySpan<byte> bytes)
    {
        bytes.CopyTo(GetSpan(bytes.Length));
        Length += bytes.Length;
    }

    /// <summary>Appends a little-endian 32-bit value (Parquet's length prefixes).</summary>
    public void WriteInt32LittleEndian(int value)
    {
        BinaryPrimitives.WriteInt32LittleEndian(GetSpan(4), value);
        Length += 4;
    }

    /// <summary>Reserves 4 bytes for a length prefix filled in later by <see cref="PatchInt32LittleEndian"/>; returns its position.</summary>
    public int ReserveInt32()
    {
        GetSpan(4);
        int at = Length;
        Length += 4;
        return at;
    }

    /// <summary>Writes a little-endian 32-bit value at an earlier position.</summary>
    public void PatchInt32LittleEndian(int position, int value) => BinaryPrimitives.WriteInt32LittleEndian(_buffer.AsSpan(position), value);

    /// <summary>Appends an unsigned LEB128 varint (Thrift compact and RLE run headers).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void WriteVarint(ulong value)
    {
        Span<byte> span = GetSpan(10);
        int n = 0;
        while (value >= 0x80)
        {
            span[n++] = (byte)(value | 0x80);
            value >>= 7;
        }
        span[n++] = (byte)value;
        Length += n;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void Grow(int size)
    {
        int target = Math.Max(_buffer.Length * 2, Length + size);
        Array.Resize(ref _buffer, target);
    }
}
