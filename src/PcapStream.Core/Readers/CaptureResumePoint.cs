namespace PcapStream.Readers;

/// <summary>
/// Where a reader of a file that is still being written stopped: the offset after the last complete record and
/// the state needed to go on from there (pcapng: the current section's byte order and interfaces). Pass it to
/// <see cref="CaptureReader.Open(string, CaptureResumePoint?, int)"/> once the file has grown.
/// </summary>
public sealed class CaptureResumePoint
{
    internal CaptureResumePoint(CaptureFormat format, long offset, long recordsRead, int section, bool bigEndian,
        PcapNgInterface[] interfaces)
    {
        Format = format;
        Offset = offset;
        RecordsRead = recordsRead;
        Section = section;
        BigEndian = bigEndian;
        Interfaces = interfaces;
    }

    /// <summary>Container format of the file.</summary>
    public CaptureFormat Format { get; }

    /// <summary>Byte offset (decompressed) where reading resumes; equals <see cref="CaptureReader.BytesConsumed"/>.</summary>
    public long Offset { get; }

    /// <summary>Packets already delivered; frame numbers continue after it.</summary>
    public long RecordsRead { get; }

    internal int Section { get; }

    internal bool BigEndian { get; }

    internal PcapNgInterface[] Interfaces { get; }
}
