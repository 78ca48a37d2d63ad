namespace PcapStream.Flows;

/// <summary>Totals over ended flows (what <c>pcapstream flows --count</c> prints). Counting allocates nothing per flow.</summary>
public sealed class FlowTotals
{
    private readonly long[] _byReason = new long[Enum.GetValues<EndReason>().Length];
    private readonly Dictionary<string, long> _byState = new(StringComparer.Ordinal);

    public long Flows { get; private set; }
    public long Packets { get; private set; }
    public long Bytes { get; private set; }

    /// <summary>Flows ended for a reason.</summary>
    public long ByReason(EndReason reason) => _byReason[(int)reason];

    /// <summary>Flows per connState, in name order.</summary>
    public IEnumerable<KeyValuePair<string, long>> ByConnState => _byState.OrderBy(kv => kv.Key, StringComparer.Ordinal);

    /// <summary>Counts one flow.</summary>
    public void Add(long packets, long bytes, EndReason reason, string connState)
    {
        Flows++;
        Packets += packets;
        Bytes += bytes;
        _byReason[(int)reason]++;
        System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrAddDefault(_byState, connState, out _)++;
    }

    /// <summary>Counts a record.</summary>
    public void Add(FlowRecord r)
    {
        ArgumentNullException.ThrowIfNull(r);
        Add(r.SrcPackets + r.DstPackets, r.SrcBytes + r.DstBytes, r.EndReason, r.ConnState);
    }
}

/// <summary>A sink that only counts (no record objects).</summary>
internal sealed class CountingSink(FlowTotals totals) : IFlowSink
{
    public void Ended(FlowTable table, ref FlowEntry entry, EndReason reason) =>
        totals.Add(entry.PktA + entry.PktB, entry.BytesA + entry.BytesB, reason, ConnState.Of(entry));
}
