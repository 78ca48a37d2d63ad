using System.Runtime.InteropServices;

namespace PcapStream.Flows;

/// <summary>
/// One slot of the flow table: the key and everything counted so far, per canonical direction (A = 0, B = 1;
/// the originator is decided only when the record is written, so an earlier file's decision carries over).
/// A plain struct in one array: no object per flow, no pointer for the GC to chase.
/// </summary>
[StructLayout(LayoutKind.Sequential)]
internal struct FlowEntry
{
    public FlowKey Key;
    public int Hash;
    /// <summary>
    /// Per-file builder: the key's segment index (what <c>Add</c> returns) while the key is in its head run, its
    /// complement (~index, negative) after; in the entries it hands the stitcher, always the index.
    /// </summary>
    public int Tag;
    /// <summary>Index of the capture file of the first / last packet; FileCount distinct files seen.</summary>
    public int FirstFile, LastFile, FileCount;
    /// <summary>Initial sequence number of the flow's first pure SYN (here, not after the flags: fills what was padding).</summary>
    public uint Isn;
    /// <summary>Packet times (ns); Last is the latest packet time seen.</summary>
    public long First, Last;
    /// <summary>When the TCP connection became closed (FIN both ways or RST), or 0.</summary>
    public long ClosedAt;
    /// <summary>
    /// Per-file builder: latest packet time of the key's head run. Kept in the entry, which the packet has just
    /// touched, rather than per segment: a second array read per packet was a cache miss (168 bytes either way).
    /// </summary>
    public long HeadLast;
    // Each A counter is directly followed by its B counter: FlowTable.AddCounters indexes them by direction.
    public long PktA, PktB, BytesA, BytesB, IpA, IpB, PayA, PayB;
    public ushort FlagsA, FlagsB;
    /// <summary><see cref="History"/> bits (handshake, FIN, RST per direction).</summary>
    public byte History;
    /// <summary>Originator evidence: bit 0 first packet's direction; bits 1-2 first SYN's sender (0 none, 1 A, 2 B); bits 3-4 first SYN-ACK's sender.</summary>
    public byte Orig;
    /// <summary>What the slot holds (<see cref="EntryMode"/>).</summary>
    public byte Mode;
    /// <summary>The expiry list the slot is on (its links are in the table's link array).</summary>
    public byte List;

    public readonly bool IsClosed => (History & (HistoryBits.RstA | HistoryBits.RstB)) != 0 ||
                                     (History & (HistoryBits.FinA | HistoryBits.FinB)) == (HistoryBits.FinA | HistoryBits.FinB);

    /// <summary>Direction of the originator: the first SYN's sender, else the receiver of the first SYN-ACK, else the first packet's sender.</summary>
    public readonly int OrigDir
    {
        get
        {
            int syn = (Orig >> 1) & 3;
            if (syn != 0)
            {
                return syn - 1;
            }
            int synAck = (Orig >> 3) & 3;
            return synAck != 0 ? 2 - synAck : Orig & 1;
        }
    }
}

/// <summary>What a table slot holds.</summary>
internal static class EntryMode
{
    /// <summary>An open flow.</summary>
    public const byte Flow = 0;
    // 1 and 2 were the per-file builder's head-run markers (before it counted head runs speculatively): unused.
    /// <summary>
    /// A flow whose record was ended by the active timeout while no packet came: only the carry-over evidence
    /// (originator, handshake, ISN, last packet time) is kept, so the next packet continues the connection as a
    /// new record exactly as if it had ended the record itself. Dropped after the idle timeout.
    /// </summary>
    public const byte Continuing = 3;
}

/// <summary>History bits, per canonical direction.</summary>
internal static class HistoryBits
{
    public const byte SynA = 1, SynB = 2, SynAckA = 4, SynAckB = 8, FinA = 16, FinB = 32, RstA = 64, RstB = 128;
}
