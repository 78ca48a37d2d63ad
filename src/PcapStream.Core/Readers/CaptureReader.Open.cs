using System.Buffers.Binary;
using System.IO.Compression;

namespace PcapStream.Readers;

public abstract partial class CaptureReader
{
    /// <summary>
    /// Opens a capture file, detecting pcap (all four magics), pcapng and gzip compression from its first bytes
    /// (not its name). A zero-length file is an empty capture. Throws <see cref="CaptureFormatException"/> when the
    /// file is not a capture or its pcap header is cut short.
    /// </summary>
    public static CaptureReader Open(string path) => Open(path, null);

    /// <summary>
    /// Opens a capture file, optionally resuming where an earlier reader of the same (growing) file stopped
    /// (<see cref="GetResumePoint"/>): frame numbers and offsets continue; the file header is checked again.
    /// </summary>
    /// <param name="path">Capture file.</param>
    /// <param name="resume">Where to continue, or null to read from the start.</param>
    /// <param name="bufferSize">Read buffer in bytes (default 1 MiB); it grows only for a record larger than it.</param>
    public static CaptureReader Open(string path, CaptureResumePoint? resume, int bufferSize = CaptureBuffer.DefaultSize)
    {
        ArgumentNullException.ThrowIfNull(path);
        // bufferSize 0: no FileStream buffer; our own large buffer gets the bytes straight from read(2).
        FileStream file = new(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 0,
            FileOptions.SequentialScan);
        try
        {
            return Open(file, path, resume, bufferSize);
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Opens a FINISHED capture file for the fastest sequential read: a classic, uncompressed pcap file is read
    /// through a read-only memory mapping instead of copies into a buffer (other formats open as
    /// <see cref="Open(string)"/> does). Records, errors and a file that grows are handled exactly as by
    /// <see cref="Open(string)"/>; but a file TRUNCATED by another process while it is read would crash the process
    /// (SIGBUS), so a reader of files still being written or rotated in place uses <see cref="Open(string)"/>.
    /// </summary>
    public static CaptureReader OpenMapped(string path)
    {
        CaptureReader reader = Open(path);
        if (reader is PcapReader pcap && !pcap.IsCompressed)
        {
            pcap.MapFile();
        }
        return reader;
    }

    /// <summary>
    /// Opens a capture from a stream (gzip detected by its magic); <paramref name="name"/> is used in errors.
    /// The reader owns the stream and disposes it. Offsets count from the stream's position at the call.
    /// </summary>
    public static CaptureReader Open(Stream stream, string name) => Open(stream, name, null);

    /// <summary>As <see cref="Open(Stream, string)"/>, resuming at <paramref name="resume"/> when given.</summary>
    public static CaptureReader Open(Stream stream, string name, CaptureResumePoint? resume,
        int bufferSize = CaptureBuffer.DefaultSize)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(name);
        if (resume is { Offset: 0 })
        {
            // Resuming an empty file (what a rotation leaves before the first write) is a fresh start.
            resume = null;
        }
        bool compressed = false;
        Span<byte> magic = stackalloc byte[2];
        int got = PeekStart(ref stream, magic);
        if (got == 2 && magic[0] == 0x1f && magic[1] == 0x8b)
        {
            // Concatenated gzip members (e.g. appended rotations) are read through as one stream.
            stream = new GZipStream(stream, CompressionMode.Decompress, leaveOpen: false);
            compressed = true;
        }
        CaptureBuffer buffer = new(stream, bufferSize, ownsStream: true);
        try
        {
            CaptureReader reader = Detect(buffer, name, compressed, resume);
            if (resume is not null && resume.Offset < buffer.Position)
            {
                throw new ArgumentOutOfRangeException(nameof(resume), resume.Offset,
                    $"resume offset lies inside the file header (which ends at {buffer.Position})");
            }
            if (resume is not null && !buffer.SkipTo(resume.Offset))
            {
                CaptureThrow.Truncated(name, resume.Offset, resume.RecordsRead + 1,
                    "the file is shorter than the point to resume from");
            }
            return reader;
        }
        catch
        {
            buffer.Dispose();
            throw;
        }
    }

    private static CaptureReader Detect(CaptureBuffer buffer, string name, bool compressed, CaptureResumePoint? resume)
    {
        buffer.Ensure(4);
        if (buffer.Available == 0)
        {
            // tshark and libpcap differ here; an empty file is what a rotation leaves before the first write,
            // so it is an empty capture, not an error.
            return new EmptyCaptureReader(name, compressed);
        }
        if (buffer.Available < 4)
        {
            CaptureThrow.Truncated(name, buffer.Available, 0,
                $"file of {buffer.Available} bytes is too short to be a capture (no complete file header)");
        }
        uint magic = BinaryPrimitives.ReadUInt32LittleEndian(buffer.Data.AsSpan(buffer.Start, 4));
        switch (magic)
        {
            case 0xa1b2c3d4 or 0xd4c3b2a1 or 0xa1b23c4d or 0x4d3cb2a1:
                if (resume is not null && resume.Format != CaptureFormat.Pcap)
                {
                    CaptureThrow.Corrupt(name, 0, 0, "resume point is for a pcapng file but the file is pcap");
                }
                return new PcapReader(buffer, name, compressed, resume?.RecordsRead ?? 0);
            case PcapNgReader.SectionHeaderType:
                if (resume is not null && resume.Format != CaptureFormat.PcapNg)
                {
                    CaptureThrow.Corrupt(name, 0, 0, "resume point is for a pcap file but the file is pcapng");
                }
                return new PcapNgReader(buffer, name, compressed, resume);
            default:
                CaptureThrow.Corrupt(name, 0, 0,
                    $"not a pcap or pcapng capture (first bytes {magic & 0xFF:x2} {(magic >> 8) & 0xFF:x2} {(magic >> 16) & 0xFF:x2} {magic >> 24:x2})");
                return null!;
        }
    }

    /// <summary>Reads the first bytes without consuming them: seek back when possible, else replay them.</summary>
    private static int PeekStart(ref Stream stream, Span<byte> into)
    {
        int got = 0;
        if (stream.CanSeek)
        {
            long at = stream.Position;
            got = stream.ReadAtLeast(into, into.Length, throwOnEndOfStream: false);
            stream.Position = at;
            return got;
        }
        got = stream.ReadAtLeast(into, into.Length, throwOnEndOfStream: false);
        stream = new PrefixedStream(into[..got].ToArray(), stream);
        return got;
    }

    /// <summary>
    /// Snapshot of where reading stopped (offset after the last complete record, frame count, pcapng section
    /// state), for <see cref="Open(string, CaptureResumePoint?, int)"/> once a growing file has more data. Allocates.
    /// </summary>
    public abstract CaptureResumePoint GetResumePoint();
}
