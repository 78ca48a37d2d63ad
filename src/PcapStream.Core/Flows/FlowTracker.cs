using PcapStream.Decoding;

namespace PcapStream.Flows;

/// <summary>
/// Single-pass flow building over one capture stream (files added in order): what <c>pcapstream flows</c> and the
/// benchmarks use, and the reference the per-file builder + stitcher must reproduce exactly.
/// Allocates nothing per packet; ended flows become records (or are only counted, see the constructors).
/// </summary>
public sealed class FlowTracker
{
    private readonly FlowTable _table;
    private readonly FragmentTracker _fragments = new();
    private readonly List<string> _files = [];
    private readonly FlowRecordSink? _records;
    private long _watermark = long.MinValue;
    private long _nextSweep = long.MinValue;
    private static readonly long SweepEveryNanos = 1_000_000_000;

    /// <summary>Builds records: ended flows are appended to <paramref name="ended"/> as they end.</summary>
    public FlowTracker(FlowSettings settings, string sensor, List<FlowRecord> ended)
    {
        _records = new FlowRecordSink(sensor, _files) { Output = ended };
        _table = new FlowTable(settings, _records);
    }

    /// <summary>Only counts ended flows into <paramref name="totals"/> (no record objects).</summary>
    public FlowTracker(FlowSettings settings, FlowTotals totals)
    {
        _table = new FlowTable(settings, new CountingSink(totals));
    }

    /// <summary>Open flows.</summary>
    public int OpenFlows => _table.Count;

    /// <summary>Flows ended early because the table was full.</summary>
    public long Evicted => _table.EvictedCount;

    /// <summary>Starts the next capture file of the stream (its name goes into the flows' file lists).</summary>
    public void BeginFile(string file)
    {
        _files.Add(file);
        _table.CurrentFile = _files.Count - 1;
    }

    /// <summary>Adds one decoded packet. Returns false when it belongs to no flow (no IP header).</summary>
    public bool Add(in DecodedPacket packet, long timestampNanos)
    {
        int dir = FlowKey.FromPacket(packet, out FlowKey key);
        if (dir < 0)
        {
            return false;
        }
        if (packet.IsFragment)
        {
            dir = _fragments.Resolve(packet, timestampNanos, dir, ref key);
        }
        if (timestampNanos > _watermark)
        {
            _watermark = timestampNanos;
            if (timestampNanos >= _nextSweep)
            {
                _table.Sweep(timestampNanos);
                _nextSweep = timestampNanos + SweepEveryNanos;
            }
        }
        FlowPacket p = FlowPacket.From(packet, timestampNanos, dir);
        _table.Update(key, key.Hash(), p);
        return true;
    }

    /// <summary>Ends every open flow (end of the stream): past-deadline ones with their reason, the rest as eof.</summary>
    public void Flush()
    {
        _table.FlushAll(_watermark);
    }
}
