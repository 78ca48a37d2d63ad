namespace PcapStream.Readers;

/// <summary>
/// The 24-byte classic pcap file header as read, so a writer (<c>extract</c>) can produce output with the same
/// byte order, timestamp precision, snaplen and link type.
/// </summary>
public readonly record struct PcapFileHeader
{
    /// <summary>Magic number as the writer meant it: 0xa1b2c3d4 (µs) or 0xa1b23c4d (ns).</summary>
    public uint Magic { get; init; }

    /// <summary>True when the file was written big-endian (magic read as d4c3b2a1 / 4d3cb2a1).</summary>
    public bool BigEndian { get; init; }

    /// <summary>True for nanosecond timestamps (magic a1b23c4d).</summary>
    public bool Nanosecond => Magic == PcapReader.MagicNanos;

    /// <summary>Format version, normally 2.4.</summary>
    public ushort VersionMajor { get; init; }

    /// <summary>Format version, normally 2.4. Versions 2.0-2.2 (and 2.3 when caplen &gt; len) store the two
    /// lengths of each record swapped; the reader swaps them back as libpcap and Wireshark do.</summary>
    public ushort VersionMinor { get; init; }

    /// <summary>Header snaplen in bytes (0 in some odd files; records may exceed it, as libpcap tolerates).</summary>
    public uint SnapLength { get; init; }

    /// <summary>The whole 32-bit link-type field as stored, including FCS bits.</summary>
    public uint LinkTypeField { get; init; }

    /// <summary>LINKTYPE_ value: the low 16 bits of <see cref="LinkTypeField"/>.</summary>
    public int LinkType => (int)(LinkTypeField & 0xFFFF);

    /// <summary>FCS length in bytes announced by the upper bits (0 when not present), in 16-bit words as libpcap
    /// stores it times two: bit 26 says "present", bits 28-31 give the count of 16-bit words.</summary>
    public int FcsLengthBytes => (LinkTypeField & 0x04000000) != 0 ? (int)(LinkTypeField >> 28) * 2 : 0;
}
