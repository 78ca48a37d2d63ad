using System.Buffers.Binary;

namespace PcapStream.Readers;

/// <summary>
/// Writes a classic pcap file (little-endian, microsecond or nanosecond magic). Used by the sample generator,
/// tests that make their own captures, and <c>extract</c>.
/// </summary>
public sealed class PcapWriter : IDisposable
{
    private readonly Stream _stream;
    private readonly bool _ownsStream;
    private readonly bool _nanos;
    private readonly byte[] _header = new byte[16];

    /// <param name="stream">Destination; the 24-byte file header is written at once.</param>
    /// <param name="linkType">LINKTYPE_ value for the file.</param>
    /// <param name="nanosecond">Nanosecond magic (a1b23c4d) instead of microseconds.</param>
    /// <param name="snapLength">Header snaplen.</param>
    /// <param name="ownsStream">Dispose the stream with the writer.</param>
    public PcapWriter(Stream stream, int linkType, bool nanosecond = false, int snapLength = 262144, bool ownsStream = true)
    {
        _stream = stream;
        _ownsStream = ownsStream;
        _nanos = nanosecond;
        Span<byte> h = stackalloc byte[24];
        BinaryPrimitives.WriteUInt32LittleEndian(h, nanosecond ? 0xa1b23c4du : 0xa1b2c3d4u);
        BinaryPrimitives.WriteUInt16LittleEndian(h[4..], 2);
        BinaryPrimitives.WriteUInt16LittleEndian(h[6..], 4);
        BinaryPrimitives.WriteInt32LittleEndian(h[8..], 0);
        BinaryPrimitives.WriteUInt32LittleEndian(h[12..], 0);
        BinaryPrimitives.WriteInt32LittleEndian(h[16..], snapLength);
        BinaryPrimitives.WriteInt32LittleEndian(h[20..], linkType);
        _stream.Write(h);
    }

    /// <summary>Creates (or replaces) a pcap file.</summary>
    public static PcapWriter Create(string path, int linkType, bool nanosecond = false, int snapLength = 262144) =>
        new(new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.Read, 1 << 16), linkType, nanosecond, snapLength);

    /// <summary>Packets written so far.</summary>
    public long Count { get; private set; }

    /// <summary>Appends one packet record.</summary>
    /// <param name="timestampNanos">Packet time, ns since the Unix epoch (cut to µs for a microsecond file).</param>
    /// <param name="data">Captured bytes.</param>
    /// <param name="originalLength">Wire length; defaults to <c>data.Length</c>.</param>
    public void Write(long timestampNanos, ReadOnlySpan<byte> data, int originalLength = -1)
    {
        long seconds = Math.DivRem(timestampNanos, 1_000_000_000L, out long ns);
        if (ns < 0)
        {
            seconds--;
            ns += 1_000_000_000L;
        }
        BinaryPrimitives.WriteUInt32LittleEndian(_header, (uint)seconds);
        BinaryPrimitives.WriteUInt32LittleEndian(_header.AsSpan(4), (uint)(_nanos ? ns : ns / 1000));
        BinaryPrimitives.WriteInt32LittleEndian(_header.AsSpan(8), data.Length);
        BinaryPrimitives.WriteInt32LittleEndian(_header.AsSpan(12), originalLength < 0 ? data.Length : originalLength);
        _stream.Write(_header);
        _stream.Write(data);
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
}
