namespace PcapStream.Readers;

/// <summary>
/// The capture file itself is damaged (bad magic, impossible record length, a block that runs past the end,
/// a cut-short record). Carries where: the file, the byte offset and the number of the record that is bad.
/// Records before it were delivered and stay valid.
/// </summary>
public sealed class CaptureFormatException : Exception
{
    public CaptureFormatException(string file, long offset, long recordNumber, string reason, bool truncated = false)
        : base($"{file}: {reason} at byte offset {offset} (record {recordNumber})")
    {
        File = file;
        Offset = offset;
        RecordNumber = recordNumber;
        Reason = reason;
        IsTruncation = truncated;
    }

    public CaptureFormatException() : this("?", 0, 0, "corrupt capture") { }

    public CaptureFormatException(string message) : this("?", 0, 0, message) { }

    public CaptureFormatException(string message, Exception inner) : base(message, inner)
    {
        File = "?";
        Reason = message;
    }

    /// <summary>Path of the capture file as given to the reader.</summary>
    public string File { get; }

    /// <summary>Byte offset (in the decompressed stream) where the damage starts.</summary>
    public long Offset { get; }

    /// <summary>1-based number of the record that could not be read (packets before it were read).</summary>
    public long RecordNumber { get; }

    /// <summary>What is wrong, without the location.</summary>
    public string Reason { get; }

    /// <summary>True when the file simply ends inside a record (cut short) rather than holding garbage.</summary>
    public bool IsTruncation { get; }
}
