namespace PcapStream.Readers;

/// <summary>How a capture ended when <see cref="CaptureReader.TryRead"/> returned false.</summary>
public enum CaptureEnd
{
    /// <summary>Still reading, or not yet at the end.</summary>
    None = 0,
    /// <summary>The last record ended exactly at the end of the data.</summary>
    Complete,
    /// <summary>
    /// The data ends inside a record (header or body). For a file still being written this means
    /// "need more data"; for a finished file it means the file was cut short (truncated) at
    /// <see cref="CaptureReader.IncompleteOffset"/>. The records before it were all delivered.
    /// </summary>
    Incomplete,
}

/// <summary>Container format of a capture file.</summary>
public enum CaptureFormat
{
    Pcap,
    PcapNg,
}

/// <summary>
/// Streaming reader over a pcap or pcapng file (optionally gzip-compressed), with bounded memory whatever the
/// file size. Three outcomes, never confused: a record (true), end of data (false, see <see cref="End"/>),
/// or a damaged file (<see cref="CaptureFormatException"/> naming file, offset and record number).
/// Packet bytes never throw.
/// </summary>
public abstract partial class CaptureReader : IDisposable
{
    /// <summary>Path (or name) the reader was opened with; used in error messages.</summary>
    public abstract string Path { get; }

    /// <summary>pcap or pcapng.</summary>
    public abstract CaptureFormat Format { get; }

    /// <summary>True when the file was gzip-compressed (offsets are then into the decompressed stream).</summary>
    public abstract bool IsCompressed { get; }

    /// <summary>How the data ended, once <see cref="TryRead"/> has returned false.</summary>
    public abstract CaptureEnd End { get; }

    /// <summary>Offset of the incomplete trailing record when <see cref="End"/> is <see cref="CaptureEnd.Incomplete"/>.</summary>
    public abstract long IncompleteOffset { get; }

    /// <summary>Number of packet records delivered so far.</summary>
    public abstract long RecordsRead { get; }

    /// <summary>Bytes of the file consumed by complete records so far (where a tail reader would resume).</summary>
    public abstract long BytesConsumed { get; }

    /// <summary>Reads the next packet record. Returns false at the end of the data (see <see cref="End"/>).</summary>
    /// <exception cref="CaptureFormatException">The file is damaged at the next record.</exception>
    public abstract bool TryRead(out CaptureRecord record);

    /// <summary>
    /// For a file known to be complete: throws a truncation <see cref="CaptureFormatException"/> when the data
    /// ended inside a record. Call after <see cref="TryRead"/> returned false.
    /// </summary>
    public void ThrowIfTruncated()
    {
        if (End == CaptureEnd.Incomplete)
        {
            throw new CaptureFormatException(Path, IncompleteOffset, RecordsRead + 1,
                "file ends in the middle of a record (truncated)", truncated: true);
        }
    }

    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    protected virtual void Dispose(bool disposing)
    {
    }
}
