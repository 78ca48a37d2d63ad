using PcapStream.Decoding;

namespace PcapStream.Flows;

// CONTRACT STUBS — the flow engine fills these in (issue 3). The streaming job codes against these shapes.

/// <summary>
/// What one capture file saw of each flow. Built independently per file (in parallel); stitched in file order
/// by <see cref="FlowStitcher"/>. Add the file's packets in file order.
/// </summary>
public sealed partial class FileFlowBuilder
{
    /// <param name="settings">Timeouts and limits.</param>
    /// <param name="file">The file's path under the input root (goes into <see cref="FlowRecord.Files"/>).</param>
    public FileFlowBuilder(FlowSettings settings, string file) => throw new NotImplementedException();

    /// <summary>
    /// Adds one decoded packet. Returns the index of the segment it was counted in (use it with
    /// <see cref="CommunityIdOf"/> to label the packet), or -1 for packets that belong to no flow (no IP).
    /// Allocates nothing per packet.
    /// </summary>
    public int Add(in DecodedPacket packet, long timestampNanos) => throw new NotImplementedException();

    /// <summary>Community ID v1 (seed 0) of the segment returned by <see cref="Add"/>; computed once per segment.</summary>
    public string CommunityIdOf(int segment) => throw new NotImplementedException();

    /// <summary>Ends the file: returns its segments. The builder cannot be used afterwards.</summary>
    public FileFlowSegments Complete() => throw new NotImplementedException();
}

/// <summary>The flow segments of one file (opaque to callers; consumed by <see cref="FlowStitcher"/>).</summary>
public sealed partial class FileFlowSegments
{
    /// <summary>The file these segments came from.</summary>
    public string File => throw new NotImplementedException();

    /// <summary>Number of segments.</summary>
    public int Count => throw new NotImplementedException();
}

/// <summary>
/// Stitches per-file segments of ONE capture stream, in file order, into flows; carries open flows between
/// files and batches. Stitching segments gives exactly the flows a single pass over the concatenated capture
/// gives (eviction aside).
/// </summary>
public sealed partial class FlowStitcher
{
    /// <param name="settings">Timeouts and limits (must match the builders').</param>
    /// <param name="sensor">The capture stream's name (the <c>sensor</c> column; part of the flow id).</param>
    /// <param name="state">Open flows carried from the previous batch, or null for a new stream.</param>
    public FlowStitcher(FlowSettings settings, string sensor, FlowState? state = null) => throw new NotImplementedException();

    /// <summary>Adds the next file of the stream; flows that ended are appended to <paramref name="ended"/>.</summary>
    public void Add(FileFlowSegments segments, List<FlowRecord> ended) => throw new NotImplementedException();

    /// <summary>
    /// Ends open flows that are idle at packet time <paramref name="nowNanos"/> (used when a stream has gone
    /// quiet: the job passes the last packet time plus the wall-clock time elapsed since the stream's last file).
    /// </summary>
    public void ExpireIdle(long nowNanos, List<FlowRecord> ended) => throw new NotImplementedException();

    /// <summary>Ends every open flow with <see cref="EndReason.Eof"/> (end of a one-shot run).</summary>
    public void Flush(List<FlowRecord> ended) => throw new NotImplementedException();

    /// <summary>The open flows, to be saved with the batch commit and restored into the next batch's stitcher.</summary>
    public FlowState SaveState() => throw new NotImplementedException();

    /// <summary>Number of open flows.</summary>
    public int OpenFlows => throw new NotImplementedException();
}

/// <summary>Serialisable open-flow state of one capture stream (checkpointed between batches).</summary>
public sealed partial class FlowState
{
    /// <summary>Writes the state (versioned binary format).</summary>
    public void WriteTo(Stream stream) => throw new NotImplementedException();

    /// <summary>Reads a state written by <see cref="WriteTo"/>.</summary>
    public static FlowState ReadFrom(Stream stream) => throw new NotImplementedException();
}
