using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.IO.Compression;
using Microsoft.Win32.SafeHandles;
using PcapStream.Readers;

namespace PcapStream.Query;

/// <summary>One record read back from a capture at a stored offset. <see cref="Record"/> is valid until the next read.</summary>
public readonly struct StoredRecord
{
    /// <summary>The whole record as stored in the file: pcap record header + data, or the whole pcapng block.</summary>
    public ReadOnlyMemory<byte> Record { get; init; }

    /// <summary>Offset of the packet bytes within <see cref="Record"/>.</summary>
    public int DataOffset { get; init; }

    /// <summary>Captured bytes (<c>caplen</c>).</summary>
    public int CapturedLength { get; init; }

    /// <summary>Wire length (<c>len</c>).</summary>
    public int OriginalLength { get; init; }

    /// <summary>Packet time, ns since the Unix epoch (UTC), offsets applied.</summary>
    public long TimestampNanos { get; init; }

    /// <summary>Packet time in units of <see cref="TimestampResolution"/> (pcapng <c>if_tsoffset</c> applied).</summary>
    public ulong RawTimestamp { get; init; }

    /// <summary>pcapng <c>if_tsresol</c> byte of the record's interface: 6 µs, 9 ns (pcap: by its magic).</summary>
    public byte TimestampResolution { get; init; }

    /// <summary>LINKTYPE_ of the record's interface.</summary>
    public int LinkType { get; init; }

    /// <summary>Snap length of the record's interface (0: none stated).</summary>
    public int SnapLength { get; init; }

    /// <summary>The packet bytes.</summary>
    public ReadOnlySpan<byte> Data => Record.Span.Slice(DataOffset, CapturedLength);
}

/// <summary>
/// Random access to the records of a capture file by byte offset (the <c>fileOffset</c> column): reads the file
/// header once, then exactly the requested records — a seek and one read each, never a scan. Gzip-compressed
/// captures cannot be seeked: their offsets are into the decompressed stream, so they are decompressed forward up
/// to each requested record (from the start again if an earlier offset is asked for later).
/// </summary>
public sealed partial class StoredCapture : IDisposable
{
    /// <summary>Largest record accepted (a corrupted length must not allocate gigabytes).</summary>
    public const int MaxRecordLength = 64 << 20;

    private readonly string _path;
    private readonly SafeFileHandle? _handle;
    private Stream? _gzip;
    private long _gzipPosition;
    private byte[] _buffer = new byte[64 * 1024];

    // classic pcap
    private bool _bigEndian;
    private bool _nanos;
    private int _linkType;
    private int _snapLength;

    private StoredCapture(string path, string name, SafeFileHandle? handle)
    {
        _path = path;
        Name = name;
        _handle = handle;
    }

    /// <summary>The name used in errors (the path under the input root, as stored in the datasets).</summary>
    public string Name { get; }

    /// <summary>pcap or pcapng.</summary>
    public CaptureFormat Format { get; private set; }

    /// <summary>True for a gzip-compressed capture (read forward, see the class remarks).</summary>
    public bool IsCompressed => _gzip is not null;

    /// <summary>For pcap: true when the file is big-endian (its records can only be copied verbatim into a big-endian file).</summary>
    public bool BigEndian => _bigEndian;

    /// <summary>For pcap: the timestamp resolution byte (6 µs, 9 ns) of every record.</summary>
    public byte PcapResolution => _nanos ? (byte)9 : (byte)6;

    /// <summary>For pcap: the header's snap length; 0 for pcapng.</summary>
    public int PcapSnapLength => Format == CaptureFormat.Pcap ? _snapLength : 0;

    /// <summary>Opens <paramref name="path"/> and reads its header.</summary>
    /// <exception cref="CaptureChangedException">The file is missing or is no longer a capture.</exception>
    public static StoredCapture Open(string path, string name)
    {
        SafeFileHandle handle;
        try
        {
            handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new CaptureChangedException(name, $"capture file '{name}' no longer exists (expected at {path}); it was deleted or moved since ingest");
        }
        var capture = new StoredCapture(path, name, handle);
        try
        {
            Span<byte> magic = stackalloc byte[4];
            if (RandomAccess.Read(handle, magic, 0) == 4 && magic[0] == 0x1f && magic[1] == 0x8b)
            {
                capture._gzip = capture.OpenGzip();
            }
            capture.ReadHeader();
            return capture;
        }
        catch
        {
            capture.Dispose();
            throw;
        }
    }

    /// <summary>Reads the record at <paramref name="offset"/> (a pcap record header, or a pcapng packet block).</summary>
    /// <exception cref="CaptureChangedException">No valid packet record starts there (the file changed).</exception>
    public StoredRecord Read(long offset) => Format == CaptureFormat.Pcap ? ReadPcap(offset) : ReadPcapNg(offset);

    private void ReadHeader()
    {
        Span<byte> h = stackalloc byte[24];
        if (ReadAt(0, h) < 4)
        {
            ThrowChanged("it is empty or shorter than a capture header");
        }
        uint magic = BinaryPrimitives.ReadUInt32LittleEndian(h);
        if (magic == 0x0A0D0D0A)
        {
            Format = CaptureFormat.PcapNg;
            ReadPcapNgHeader();
            return;
        }
        Format = CaptureFormat.Pcap;
        (_bigEndian, _nanos) = magic switch
        {
            0xa1b2c3d4 => (false, false),
            0xa1b23c4d => (false, true),
            0xd4c3b2a1 => (true, false),
            0x4d3cb2a1 => (true, true),
            _ => ThrowChanged<(bool, bool)>($"it is no longer a pcap or pcapng file (magic 0x{magic:x8})"),
        };
        if (ReadAt(0, h) < 24)
        {
            ThrowChanged("its pcap header is cut short");
        }
        _snapLength = (int)U32(h[16..]);
        _linkType = (int)(U32(h[20..]) & 0x03FFFFFF); // upper bits: FCS length, not part of the link type
    }

    private StoredRecord ReadPcap(long offset)
    {
        if (offset < 24)
        {
            ThrowChanged($"offset {offset} is inside the pcap file header");
        }
        Span<byte> h = stackalloc byte[16];
        if (ReadAt(offset, h) < 16)
        {
            ThrowChanged($"the file ends before the record at offset {offset}");
        }
        uint caplen = U32(h[8..]);
        if (caplen > MaxRecordLength)
        {
            ThrowChanged($"no valid record at offset {offset} (captured length {caplen})");
        }
        int length = 16 + (int)caplen;
        byte[] buffer = Buffer(length);
        if (ReadAt(offset, buffer.AsSpan(0, length)) < length)
        {
            ThrowChanged($"the file ends inside the record at offset {offset}");
        }
        long seconds = U32(h);
        long fraction = U32(h[4..]);
        long nanos = seconds * 1_000_000_000L + (_nanos ? fraction : fraction * 1000);
        return new StoredRecord
        {
            Record = buffer.AsMemory(0, length),
            DataOffset = 16,
            CapturedLength = (int)caplen,
            OriginalLength = (int)U32(h[12..]),
            TimestampNanos = nanos,
            RawTimestamp = (ulong)(_nanos ? nanos : nanos / 1000),
            TimestampResolution = PcapResolution,
            LinkType = _linkType,
            SnapLength = _snapLength,
        };
    }

    private uint U32(ReadOnlySpan<byte> b) =>
        _bigEndian ? BinaryPrimitives.ReadUInt32BigEndian(b) : BinaryPrimitives.ReadUInt32LittleEndian(b);

    private byte[] Buffer(int length)
    {
        if (_buffer.Length < length)
        {
            _buffer = new byte[Math.Max(length, _buffer.Length * 2)];
        }
        return _buffer;
    }

    /// <summary>Reads up to <c>into.Length</c> bytes at <paramref name="offset"/> (of the decompressed data for gzip).</summary>
    private int ReadAt(long offset, Span<byte> into)
    {
        if (_gzip is null)
        {
            int total = 0;
            while (total < into.Length)
            {
                int n = RandomAccess.Read(_handle!, into[total..], offset + total);
                if (n == 0)
                {
                    break;
                }
                total += n;
            }
            return total;
        }
        if (offset < _gzipPosition)
        {
            _gzip.Dispose();
            _gzip = OpenGzip();
        }
        Span<byte> skip = stackalloc byte[4096];
        while (_gzipPosition < offset)
        {
            int n = _gzip.Read(skip[..(int)Math.Min(skip.Length, offset - _gzipPosition)]);
            if (n == 0)
            {
                return 0;
            }
            _gzipPosition += n;
        }
        int read = _gzip.ReadAtLeast(into, into.Length, throwOnEndOfStream: false);
        _gzipPosition += read;
        return read;
    }

    private GZipStream OpenGzip()
    {
        _gzipPosition = 0;
        var file = new FileStream(_path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1 << 16);
        return new GZipStream(file, CompressionMode.Decompress);
    }

    [DoesNotReturn]
    private void ThrowChanged(string why) =>
        throw new CaptureChangedException(Name, $"capture file '{Name}' changed since ingest: {why}");

    [DoesNotReturn]
    private T ThrowChanged<T>(string why) => throw new CaptureChangedException(Name, $"capture file '{Name}' changed since ingest: {why}");

    public void Dispose()
    {
        _gzip?.Dispose();
        _handle?.Dispose();
    }
}

/// <summary>
/// A capture file named by the datasets is missing or no longer holds the record the datasets point to (deleted,
/// rotated away, rewritten). The message names the file.
/// </summary>
public sealed class CaptureChangedException : IOException
{
    public CaptureChangedException(string file, string message) : base(message) => File = file;

    public CaptureChangedException() { File = "?"; }

    public CaptureChangedException(string message) : base(message) { File = "?"; }

    public CaptureChangedException(string message, Exception inner) : base(message, inner) { File = "?"; }

    /// <summary>The capture file (as named in the datasets).</summary>
    public string File { get; }
}
