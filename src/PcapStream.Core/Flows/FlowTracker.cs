using System.Runtime.CompilerServices;
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
    /// <remarks>
    /// AggressiveOptimization here and on the flow-table methods every packet reaches (insert, continue, start, TCP
    /// events, unlink, remove, key building): in a sub-second run their ReadyToRun code was still call-counted,
    /// never replaced by tier 1, for the whole file. Measured on flows --count /tmp/bench-1g.pcap (taskset -c 0,
    /// 5-6 interleaved runs, median CPU): 0.58 -> 0.53 s and 0.90 -> 0.79 s (two load levels).
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
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
        Advance(timestampNanos);
        FlowPacket p = FlowPacket.From(packet, timestampNanos, dir);
        _table.Update(key, key.Hash(), p);
        return true;
    }

    /// <summary>
    /// Adds one Ethernet frame (link type 1) when it is an unfragmented IPv4 TCP/UDP or an IPv6 TCP packet of the
    /// common shape (<see cref="FlowFastPath"/>), straight from its bytes; returns false, having done nothing, for any other
    /// frame, which the caller then decodes and gives to <see cref="Add"/>. The result is the same either way.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal bool TryAddEthernet(ReadOnlySpan<byte> frame, int wireLength, long timestampNanos)
    {
        if (!FlowFastPath.TryEthernet(frame, wireLength, timestampNanos, out FlowKey key, out int hash, out FlowPacket p))
        {
            return false;
        }
        Advance(timestampNanos);
        _table.Update(key, hash, p);
        return true;
    }

    /// <summary>Moves the packet-time watermark; expires idle flows once per second of packet time.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void Advance(long timestampNanos)
    {
        if (timestampNanos > _watermark)
        {
            _watermark = timestampNanos;
            if (timestampNanos >= _nextSweep)
            {
                _table.Sweep(timestampNanos);
                _nextSweep = timestampNanos + SweepEveryNanos;
            }
        }
    }

    /// <summary>Ends every open flow (end of the stream): past-deadline ones with their reason, the rest as eof.</summary>
    public void Flush()
    {
        _table.FlushAll(_watermark);
    }
}
