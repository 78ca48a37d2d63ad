using PcapStream.Readers;

namespace PcapStream.Capture;

/// <summary>
/// Repairs the tail of a capture file whose writer was killed: tcpdump writes through a stdio buffer, so after a
/// SIGKILL the file ends wherever the last buffer flush stopped, often inside a record. Cutting it back to the
/// last complete record keeps every packet that was fully written and makes the file a valid capture again.
/// The format knowledge is <see cref="CaptureReader"/>'s (pcap and pcapng alike): this only asks it where the
/// last complete record ends (<see cref="CaptureReader.BytesConsumed"/> when <see cref="CaptureEnd.Incomplete"/>).
/// </summary>
public static class CaptureTail
{
    /// <summary>What <see cref="Inspect"/> found.</summary>
    /// <param name="HasHeader">The file starts with a complete pcap or pcapng file header.</param>
    /// <param name="Records">Complete records.</param>
    /// <param name="CompleteLength">Bytes up to the end of the last complete record (or of the header).</param>
    /// <param name="FileLength">File length when inspected.</param>
    /// <param name="Damage">Why reading stopped before the end when it was not a cut-short tail (a damaged record, not a capture, compressed); else null.</param>
    public readonly record struct Result(bool HasHeader, long Records, long CompleteLength, long FileLength, string? Damage)
    {
        /// <summary>True when the file ends exactly after a record (or after its header).</summary>
        public bool IsComplete => HasHeader && Damage is null && CompleteLength == FileLength;

        /// <summary>True when only a cut-short last record stands between the file and a valid capture.</summary>
        public bool IsRepairable => HasHeader && Damage is null && CompleteLength < FileLength;
    }

    /// <summary>Reads the file through <see cref="CaptureReader"/> and says where its last complete record ends.</summary>
    public static Result Inspect(string path)
    {
        long length = new FileInfo(path).Length;
        CaptureReader reader;
        try
        {
            reader = CaptureReader.Open(path);
        }
        catch (CaptureFormatException e)
        {
            // Cut inside the file header: the writer died before its first flush; no packet is in it.
            return new Result(false, 0, 0, length, e.IsTruncation ? null : e.Reason);
        }
        using (reader)
        {
            if (reader.IsCompressed)
            {
                return new Result(true, 0, 0, length, "compressed: offsets are not file offsets");
            }
            try
            {
                while (reader.TryRead(out _))
                {
                }
            }
            catch (CaptureFormatException e)
            {
                return new Result(true, reader.RecordsRead, reader.BytesConsumed, length, e.Reason);
            }
            if (length == 0)
            {
                return new Result(false, 0, 0, 0, null); // what a rotation leaves before the first write
            }
            return new Result(true, reader.RecordsRead, reader.End == CaptureEnd.Incomplete ? reader.BytesConsumed : length, length, null);
        }
    }

    /// <summary>
    /// Cuts a capture file back to its last complete record. Returns the bytes removed: 0 when it was complete,
    /// damaged elsewhere (left for the job to report) or not a capture.
    /// </summary>
    public static long TrimIncomplete(string path)
    {
        Result r = Inspect(path);
        if (!r.IsRepairable)
        {
            return 0;
        }
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Write, FileShare.ReadWrite);
        stream.SetLength(r.CompleteLength);
        stream.Flush(flushToDisk: true);
        return r.FileLength - r.CompleteLength;
    }
}
