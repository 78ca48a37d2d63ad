namespace PcapStream.Flows;

/// <summary>Totals over ended flows (what <c>pcapstream flows --count</c> prints). Counting allocates nothing per flow.</summary>
public sealed class FlowTotals
{
    private readonly long[] _byReason = new long[Enum.GetValues<EndReason>().Length];
    // By ConnState.Names index: counting a flow is an array increment, not a string-keyed dictionary update.
    private readonly long[] _byState = new long[ConnState.Names.Length];

    public long Flows { get; private set; }
    public long Packets { get; private set; }
    public long Bytes { get; private set; }

    /// <summary>Flows ended for a reason.</summary>
    public long ByReason(EndReason reason) => _byReason[(int)reason];

    /// <summary>Flows per connState, in name order (states no flow ended in are left out).</summary>
    public IEnumerable<KeyValuePair<string, long>> ByConnState
    {
        get
        {
            for (int i = 0; i < _byState.Length; i++)
            {
                if (_byState[i] != 0)
                {
                    yield return new(ConnState.Names[i], _byState[i]);
                }
            }
        }
    }

    /// <summary>Counts one flow (<paramref name="connState"/>: one of the <see cref="ConnState"/> names).</summary>
    public void Add(long packets, long bytes, EndReason reason, string connState)
    {
        int code = Array.IndexOf(ConnState.Names, connState);
        if (code < 0)
        {
            throw new ArgumentException($"'{connState}' is not a connState.", nameof(connState));
        }
        Add(packets, bytes, reason, code);
    }

    /// <summary>Counts one flow whose connState is <see cref="ConnState.Names"/>[<paramref name="connState"/>].</summary>
    internal void Add(long packets, long bytes, EndReason reason, int connState)
    {
        Flows++;
        Packets += packets;
        Bytes += bytes;
        _byReason[(int)reason]++;
        _byState[connState]++;
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
        totals.Add(entry.PktA + entry.PktB, entry.BytesA + entry.BytesB, reason, ConnState.Code(entry));
}
