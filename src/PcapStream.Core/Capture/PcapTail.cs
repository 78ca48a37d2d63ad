using System.Buffers.Binary;

namespace PcapStream.Capture;

/// <summary>
/// Repairs the tail of a pcap file whose writer was killed: tcpdump writes through a stdio buffer, so after a
/// SIGKILL the file ends wherever the last buffer flush stopped, often inside a record. Cutting it back to the
/// last complete record keeps every packet that was fully written and makes the file a valid capture again.
/// Only classic pcap (what tcpdump -w writes) is walked; anything else is left untouched.
/// </summary>
public static class PcapTail
{
    private const int GlobalHeaderLength = 24;
    private const int RecordHeaderLength = 16;
    // Larger than any snap length libpcap writes (256 KiB), small enough to catch garbage lengths.
    private const uint MaxRecordLength = 16 * 1024 * 1024;

    /// <summary>What <see cref="Inspect"/> found.</summary>
    /// <param name="IsPcap">The file starts with a pcap global header (either byte order, µs or ns).</param>
    /// <param name="Records">Complete records.</param>
    /// <param name="CompleteLength">Bytes up to the end of the last complete record (header only: 24).</param>
    /// <param name="FileLength">Current file length.</param>
    public readonly record struct Result(bool IsPcap, long Records, long CompleteLength, long FileLength)
    {
        /// <summary>True when the file ends exactly after a record (or after the header).</summary>
        public bool IsComplete => IsPcap && CompleteLength == FileLength;
    }

    /// <summary>Walks the record headers of a pcap file (reading only headers, so cost is per record, not per byte).</summary>
    public static Result Inspect(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1, FileOptions.RandomAccess);
        long length = stream.Length;
        Span<byte> header = stackalloc byte[GlobalHeaderLength];
        if (length < GlobalHeaderLength || stream.ReadAtLeast(header, GlobalHeaderLength, throwOnEndOfStream: false) < GlobalHeaderLength)
        {
            return new Result(false, 0, 0, length);
        }
        uint magic = BinaryPrimitives.ReadUInt32LittleEndian(header);
        bool littleEndian;
        switch (magic)
        {
            case 0xA1B2C3D4 or 0xA1B23C4D: littleEndian = true; break;
            case 0xD4C3B2A1 or 0x4D3CB2A1: littleEndian = false; break;
            default: return new Result(false, 0, 0, length);
        }
        long offset = GlobalHeaderLength;
        long records = 0;
        Span<byte> rec = stackalloc byte[RecordHeaderLength];
        while (offset + RecordHeaderLength <= length)
        {
            stream.Position = offset;
            if (stream.ReadAtLeast(rec, RecordHeaderLength, throwOnEndOfStream: false) < RecordHeaderLength)
            {
                break;
            }
            uint included = littleEndian
                ? BinaryPrimitives.ReadUInt32LittleEndian(rec[8..])
                : BinaryPrimitives.ReadUInt32BigEndian(rec[8..]);
            if (included > MaxRecordLength || offset + RecordHeaderLength + included > length)
            {
                break;
            }
            offset += RecordHeaderLength + included;
            records++;
        }
        return new Result(true, records, offset, length);
    }

    /// <summary>
    /// Cuts a pcap file back to its last complete record. Returns the bytes removed (0 when it was complete or
    /// is not a pcap file).
    /// </summary>
    public static long TrimIncomplete(string path)
    {
        Result r = Inspect(path);
        if (!r.IsPcap || r.IsComplete)
        {
            return 0;
        }
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Write, FileShare.ReadWrite);
        stream.SetLength(r.CompleteLength);
        stream.Flush(flushToDisk: true);
        return r.FileLength - r.CompleteLength;
    }
}
