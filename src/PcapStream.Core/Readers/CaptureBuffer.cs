using System.Diagnostics.CodeAnalysis;
using System.IO.MemoryMappedFiles;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace PcapStream.Readers;

/// <summary>
/// The one large, reused read buffer behind every reader. Records are parsed in place between
/// <see cref="Start"/> and <see cref="End"/>; when a record does not fit in what is left, the unread tail is moved
/// to the front and the rest of the buffer is filled with one large sequential read. The buffer grows only when a
/// single record is larger than it (the caller bounds that size first), so memory is bounded whatever the file size.
/// </summary>
/// <remarks>
/// Mapped mode (<see cref="TryMap"/>, classic pcap on a plain file): instead of copying the file into the array,
/// [Start, End) is a window of a read-only memory mapping of the file, so no read(2) copies every byte through
/// the kernel (measured: that copy was ~0.13 s CPU of 1 GB, about as much as decoding it). The window moves
/// forward, and picks up a file that grew, when a record does not fit in it. A file truncated by another process
/// while mapped would fault (SIGBUS): the streaming job, which reads files still being written, uses the copying
/// mode; the commands that read finished files use the mapping.
/// </remarks>
internal sealed unsafe class CaptureBuffer : IDisposable
{
    /// <summary>Default buffer size: large enough that read syscalls are a rounding error, small enough for L2/L3.</summary>
    public const int DefaultSize = 1 << 20;

    /// <summary>Smallest buffer accepted (tests use small buffers to force records across the boundary).</summary>
    public const int MinimumSize = 64;

    /// <summary>
    /// Mapped window: 32 MiB, so the mapped pages the process holds (they count in its RSS, though they are the
    /// page cache's) stay small whatever the file size; moving it costs one mmap per 32 MiB. A record larger than
    /// that (up to the 256 MiB cap) gets a window that fits it.
    /// </summary>
    private const long Window = 32L << 20;

    private readonly Stream _stream;
    private readonly bool _ownsStream;
    private readonly long _origin;
    private MemoryMappedFile? _mapFile;
    private MemoryMappedViewAccessor? _view;
    private long _mappedFileLength;

    public CaptureBuffer(Stream stream, int size, bool ownsStream)
    {
        _stream = stream;
        _ownsStream = ownsStream;
        _origin = stream.CanSeek ? stream.Position : 0;
        SetArray(GC.AllocateUninitializedArray<byte>(Math.Max(size, MinimumSize), pinned: true));
    }

    /// <summary>The buffer in copying mode (valid bytes are [Start, End)); empty in mapped mode.</summary>
    public byte[] Data = [];

    /// <summary>
    /// Address of byte 0 of the buffer: the pinned <see cref="Data"/> array, or the mapped window. Valid bytes are
    /// [Base + Start, Base + End) until the next <see cref="Ensure"/>, which may move or remap them.
    /// </summary>
    public byte* Base;

    /// <summary>True when the bytes come from a memory mapping of the file (see the remarks).</summary>
    public bool IsMapped => _mapped;

    private bool _mapped;

    /// <summary>Bytes [start, start + length) of the buffer (inside [Start, End)).</summary>
    public ReadOnlySpan<byte> Span(int start, int length) => new(Base + start, length);

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
    /// How the data ended once no further record fits (the rule every reader follows): nothing left after
    /// <see cref="Start"/> is <see cref="CaptureEnd.Complete"/>; anything left is the start of an incomplete record,
    /// whose offset is stored in <paramref name="incompleteOffset"/> (left unchanged when complete).
    /// </summary>
    public CaptureEnd EndOfData(ref long incompleteOffset)
    {
        if (Available == 0)
        {
            return CaptureEnd.Complete;
        }
        incompleteOffset = Position;
        return CaptureEnd.Incomplete;
    }

    /// <summary>
    /// Makes at least <paramref name="count"/> bytes available from <see cref="Start"/> (which may move).
    /// Returns false when the data ends first ("need more data"); a later call tries to read again, so a
    /// file that grows in the meantime is picked up.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool Ensure(int count) => End - Start >= count || Fill(count);

    private bool Fill(int count)
    {
        if (_mapped)
        {
            return Remap(count);
        }
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
            byte[] bigger = GC.AllocateUninitializedArray<byte>(
                Math.Max(count, (int)Math.Min(Array.MaxLength, (long)Data.Length * 2)), pinned: true);
            Buffer.BlockCopy(Data, Start, bigger, 0, remaining);
            SetArray(bigger);
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

    /// <summary>Pinned (allocated on the pinned heap), so <see cref="Base"/> stays valid without a handle.</summary>
    private void SetArray(byte[] array)
    {
        Data = array;
        Base = (byte*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(array));
    }

    /// <summary>
    /// Switches to mapped mode at the current position when the stream is a plain, seekable file; returns false
    /// (staying in copying mode) otherwise or when the mapping fails. Call before the first record is read.
    /// </summary>
    public bool TryMap()
    {
        if (_stream is not FileStream file || !file.CanSeek || _origin != 0)
        {
            return false;
        }
        try
        {
            Map(file, Position, file.Length, 0);
            _mapped = true;
            Data = [];
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException)
        {
            Unmap();
            return false;
        }
    }

    /// <summary>
    /// Maps [position rounded down to a page, + the window or <paramref name="count"/> bytes if more, at most to
    /// <paramref name="length"/>) and makes it the buffer.
    /// </summary>
    private void Map(FileStream file, long position, long length, int count)
    {
        Unmap();
        long pageStart = position & ~(long)(Environment.SystemPageSize - 1);
        long size = Math.Min(length - pageStart, Math.Max(Window, position - pageStart + count));
        _mappedFileLength = length;
        if (size <= 0 || position >= length)
        {
            // Nothing after the position yet: an empty window (Base is never read while Start == End).
            BaseOffset = position;
            Start = End = 0;
            return;
        }
        _mapFile = MemoryMappedFile.CreateFromFile(file, null, 0, MemoryMappedFileAccess.Read, HandleInheritability.None, leaveOpen: true);
        _view = _mapFile.CreateViewAccessor(pageStart, size, MemoryMappedFileAccess.Read);
        byte* p = null;
        _view.SafeMemoryMappedViewHandle.AcquirePointer(ref p);
        Base = p + _view.PointerOffset;
        BaseOffset = pageStart;
        Start = (int)(position - pageStart);
        End = (int)size;
    }

    /// <summary>Mapped mode: moves the window to the current position when a record does not fit in it.</summary>
    private bool Remap(int count)
    {
        var file = (FileStream)_stream;
        long position = Position;
        long length = file.Length;
        if (length == _mappedFileLength && BaseOffset + End >= length)
        {
            return false; // the window already reaches the end of the file: need more data
        }
        Map(file, position, length, count);
        return End - Start >= count;
    }

    private void Unmap()
    {
        if (_view is not null)
        {
            _view.SafeMemoryMappedViewHandle.ReleasePointer();
            _view.Dispose();
            _view = null;
        }
        _mapFile?.Dispose();
        _mapFile = null;
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
        Unmap();
        Base = null;
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
