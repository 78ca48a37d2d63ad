namespace PcapStream.Readers;

public abstract partial class CaptureReader
{
    /// <summary>
    /// Opens a capture file, detecting pcap (all four magics), pcapng and gzip compression from its first bytes
    /// (not its name). Throws <see cref="CaptureFormatException"/> when the file is not a capture.
    /// </summary>
    public static CaptureReader Open(string path) => throw new NotImplementedException();

    /// <summary>Opens a capture from a stream (gzip detected); <paramref name="name"/> is used in errors.</summary>
    public static CaptureReader Open(Stream stream, string name) => throw new NotImplementedException();
}
