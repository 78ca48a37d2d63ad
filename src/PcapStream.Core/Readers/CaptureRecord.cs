namespace PcapStream.Readers;

/// <summary>
/// One record read from a capture file. <see cref="Data"/> points into the reader's buffer and is valid
/// only until the next call to <see cref="CaptureReader.TryRead"/>; copy what must survive.
/// </summary>
public readonly ref struct CaptureRecord
{
    /// <summary>The captured bytes (<c>caplen</c> of them), starting at the link-layer header.</summary>
    public ReadOnlySpan<byte> Data { get; init; }

    /// <summary>Byte offset in the (decompressed) file of the record: the pcap record header, or the pcapng block.</summary>
    public long FileOffset { get; init; }

    /// <summary>Total bytes of the record in the file (header + data + padding/trailer), so it can be copied verbatim.</summary>
    public int RecordLength { get; init; }

    /// <summary>1-based number of the packet within the file (only packet records are counted).</summary>
    public long FrameNumber { get; init; }

    /// <summary>Packet time in nanoseconds since the Unix epoch (UTC); 0 when the record has none (pcapng Simple Packet Block).</summary>
    public long TimestampNanos { get; init; }

    /// <summary>False for records that carry no timestamp (pcapng Simple Packet Block).</summary>
    public bool HasTimestamp { get; init; }

    /// <summary>Length of the packet on the wire (<c>len</c>); may exceed <see cref="CapturedLength"/>.</summary>
    public int OriginalLength { get; init; }

    /// <summary>Number of bytes captured (<c>caplen</c>), equal to <c>Data.Length</c>.</summary>
    public int CapturedLength => Data.Length;

    /// <summary>LINKTYPE_ value of the record's interface (upper FCS bits already masked off).</summary>
    public int LinkType { get; init; }

    /// <summary>pcapng interface id within its section; 0 for classic pcap.</summary>
    public int InterfaceId { get; init; }

    /// <summary>pcapng section number, 1-based; 0 for classic pcap.</summary>
    public int Section { get; init; }
}
