using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;

namespace PcapStream.Readers;

/// <summary>
/// The one large, reused read buffer behind every reader. Records are parsed in place between
/// <see cref="Start"/> and <see cref="End"/>; when a record does not fit in what is left, the unread tail is moved
/// to the front and the rest of the buffer is filled with one large sequential read. The buffer grows only when a
/// single record is larger than it (the caller bounds that size first), so memory is bounded whatever the file size.
/// </summary>
internal sealed class CaptureBuffer : IDisposable
{
    /// <summary>Default buffer size: large enough that read syscalls are a rounding error, small enough for L2/L3.</summary>
    public const int DefaultSize = 1 << 20;

    /// <summary>Smallest buffer accepted (tests use small buffers to force records across the boundary).</summary>
    public const int MinimumSize = 64;

    private readonly Stream _stream;
    private readonly bool _ownsStream;
    private readonly long _origin;

    public CaptureBuffer(Stream stream, int size, bool ownsStream)
    {
        _stream = stream;
        _ownsStream = ownsStream;
        _origin = stream.CanSeek ? stream.Position : 0;
        Data = new byte[Math.Max(size, MinimumSize)];
    }

    /// <summary>The buffer; valid bytes are [Start, End).</summary>
    public byte[] Data;

    /// <summary>Index of the first unparsed byte.</summary>
    public int Start;

    /// <summary>Index after the last valid byte.</summary>
    public int End;

    /// <summary>File offset (in the decompressed stream) of <c>Data[0]</c>.</summary>
    public long BaseOffset;

    /// <summary>Bytes available after <see cref="Start"/>.</summary>
    public int Available => End - Start;

    /// <summary>File offset of <see cref="Start"/>.</summary>
    public long Position => BaseOffset + Start;

    /// <summary>
    /// Makes at least <paramref name="count"/> bytes available from <see cref="Start"/> (which may move).
    /// Returns false when the data ends first ("need more data"); a later call tries to read again, so a
    /// file that grows in the meantime is picked up.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool Ensure(int count) => End - Start >= count || Fill(count);

    private bool Fill(int count)
    {
        int remaining = End - Start;
        if (count > Data.Length)
        {
            // A seekable file shorter than the record cannot hold it: do not allocate for a record that is
            // not there (a corrupt or cut-short length must not cost hundreds of MiB).
            if (_stream.CanSeek && _origin + Position + count > _stream.Length)
            {
                ReadAvailable();
                return false;
            }
            byte[] bigger = new byte[Math.Max(count, (int)Math.Min(Array.MaxLength, (long)Data.Length * 2))];
            Buffer.BlockCopy(Data, Start, bigger, 0, remaining);
            Data = bigger;
            Compacted(remaining);
        }
        else if (Start > 0)
        {
            // The unread tail is shorter than one record: moving it is cheap and keeps the next read large.
            Buffer.BlockCopy(Data, Start, Data, 0, remaining);
            Compacted(remaining);
        }
        while (End - Start < count)
        {
            int n = _stream.Read(Data, End, Data.Length - End);
            if (n <= 0)
            {
                return false;
            }
            End += n;
        }
        return true;
    }

    /// <summary>Reads whatever fits without growing, so <see cref="Available"/> shows how much of a record exists.</summary>
    private void ReadAvailable()
    {
        if (Start > 0)
        {
            int remaining = End - Start;
            Buffer.BlockCopy(Data, Start, Data, 0, remaining);
            Compacted(remaining);
        }
        while (End < Data.Length)
        {
            int n = _stream.Read(Data, End, Data.Length - End);
            if (n <= 0)
            {
                return;
            }
            End += n;
        }
    }

    private void Compacted(int remaining)
    {
        BaseOffset += Start;
        Start = 0;
        End = remaining;
    }

    /// <summary>
    /// Moves to absolute offset <paramref name="offset"/> (at or after <see cref="Position"/>): seeks when the
    /// stream can, otherwise reads and discards (gzip). Returns false when the data ends before it.
    /// </summary>
    public bool SkipTo(long offset)
    {
        long ahead = offset - Position;
        if (ahead <= Available)
        {
            Start += (int)ahead;
            return true;
        }
        if (_stream.CanSeek)
        {
            long delta = ahead - Available;
            _stream.Seek(delta, SeekOrigin.Current);
            BaseOffset = offset;
            Start = End = 0;
            return _origin + Position <= _stream.Length;
        }
        while (true)
        {
            ahead = offset - Position;
            if (ahead <= Available)
            {
                Start += (int)ahead;
                return true;
            }
            Start = End;
            if (!Ensure((int)Math.Min(Data.Length, offset - Position)))
            {
                Start = End;
                return false;
            }
        }
    }

    public void Dispose()
    {
        if (_ownsStream)
        {
            _stream.Dispose();
        }
    }
}

/// <summary>Throw helpers kept out of the hot methods so those stay small enough to inline well.</summary>
internal static class CaptureThrow
{
    [DoesNotReturn]
    public static void Corrupt(string file, long offset, long recordNumber, string reason) =>
        throw new CaptureFormatException(file, offset, recordNumber, reason);

    [DoesNotReturn]
    public static void Truncated(string file, long offset, long recordNumber, string reason) =>
        throw new CaptureFormatException(file, offset, recordNumber, reason, truncated: true);
}
