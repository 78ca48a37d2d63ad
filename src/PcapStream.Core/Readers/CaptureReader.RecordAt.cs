namespace PcapStream.Readers;

public abstract partial class CaptureReader
{
    /// <summary>
    /// Opens a reader whose first record is the one at <paramref name="offset"/> (a
    /// <see cref="CaptureRecord.FileOffset"/> an earlier reader of the same file reported, e.g. the <c>fileOffset</c>
    /// column), for random access to stored records (<c>extract</c>). The file header is read and checked as usual,
    /// then the reader seeks straight to the record (a gzip file is decompressed up to it): records before it are not
    /// parsed. For pcapng, <paramref name="state"/> supplies the section byte order and interfaces in force at
    /// <paramref name="offset"/>: a resume point taken earlier in the same section with no interface description in
    /// between. When that does not hold, the record read is wrong or a <see cref="CaptureFormatException"/> is thrown;
    /// check what it read against what is expected, and fall back to reading from the start.
    /// </summary>
    /// <param name="path">Capture file.</param>
    /// <param name="state">Format and pcapng section state; from <see cref="GetResumePoint"/> of a reader of the file.</param>
    /// <param name="offset">Start of a packet record: a pcap record header, or a pcapng packet block.</param>
    /// <param name="frameNumber">1-based number of that record within the file, so frame numbers and errors stay right.</param>
    /// <param name="bufferSize">Read buffer; small (a few KiB) suits reading a record or two at each offset.</param>
    /// <exception cref="CaptureFormatException">The file is not a capture of <paramref name="state"/>'s format, or ends before <paramref name="offset"/>.</exception>
    public static CaptureReader OpenAt(string path, CaptureResumePoint state, long offset, long frameNumber,
        int bufferSize = 16 << 10)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        ArgumentOutOfRangeException.ThrowIfLessThan(frameNumber, 1);
        var at = new CaptureResumePoint(state.Format, offset, frameNumber - 1, state.Section, state.BigEndian, state.Interfaces);
        return Open(path, at, bufferSize);
    }
}
