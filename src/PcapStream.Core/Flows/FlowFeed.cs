using System.Runtime.CompilerServices;
using System.Text;
using PcapStream.Decoding;
using PcapStream.Readers;

namespace PcapStream.Flows;

/// <summary>
/// Feeds captures into a <see cref="FlowTracker"/> (read + decode + flow table), and the whole of
/// <c>flows --count</c>. In Core, next to the flow table, so the packet loop has one implementation for every
/// caller.
/// </summary>
public static class FlowFeed
{
    /// <summary>
    /// Builds the flows of <paramref name="files"/> read as one capture stream (default <see cref="FlowSettings"/>)
    /// and writes only the totals: flows, packets, bytes, evicted, per endReason and per connState (text lines
    /// <c>name&lt;TAB&gt;value</c>, or one JSON object).
    /// </summary>
    public static void CountFiles(IReadOnlyList<string> files, Stream output, bool json)
    {
        ArgumentNullException.ThrowIfNull(files);
        var totals = new FlowTotals();
        var tracker = new FlowTracker(new FlowSettings(), totals);
        foreach (string file in files)
        {
            Feed(tracker, file, null);
        }
        tracker.Flush();
        WriteTotals(totals, tracker.Evicted, json, output);
    }

    /// <summary>Reads and decodes one file into the tracker; <paramref name="drain"/> runs every 64 Ki packets.</summary>
    public static void Feed(FlowTracker tracker, string file, Action? drain)
    {
        using CaptureReader reader = CaptureReader.OpenMapped(file);
        tracker.BeginFile(file);
        if (reader is PcapReader pcap)
        {
            FeedPcap(tracker, pcap, drain);
        }
        else
        {
            FeedAny(tracker, reader, drain);
        }
        drain?.Invoke();
        reader.ThrowIfTruncated();
    }

    /// <summary>
    /// The packet loop over a classic pcap file: the sealed reader's TryRead and the decoder's fast path inline here.
    /// AggressiveOptimization: it runs once per file, so (under the JIT) tiering could never replace a slower first version of it.
    /// (Prefetching the table bucket/entry a few packets ahead was tried and measured slower here: the key was
    /// computed twice and the misses it hides are few at this table size.)
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void FeedPcap(FlowTracker tracker, PcapReader reader, Action? drain)
    {
        var packet = new DecodedPacket();
        int n = 0;
        while (reader.TryRead(out CaptureRecord record))
        {
            // The common frame goes from its bytes straight into the table (FlowFastPath); the rest is decoded.
            if (record.LinkType != 1 || !tracker.TryAddEthernet(record.Data, record.OriginalLength, record.TimestampNanos))
            {
                PacketDecoder.Decode(record.Data, record.LinkType, record.OriginalLength, ref packet);
                tracker.Add(packet, record.TimestampNanos);
            }
            if (drain is not null && (++n & 0xFFFF) == 0)
            {
                drain();
            }
        }
    }

    /// <summary>The same loop for pcapng (one virtual call per record).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void FeedAny(FlowTracker tracker, CaptureReader reader, Action? drain)
    {
        var packet = new DecodedPacket();
        int n = 0;
        while (reader.TryRead(out CaptureRecord record))
        {
            if (record.LinkType != 1 || !tracker.TryAddEthernet(record.Data, record.OriginalLength, record.TimestampNanos))
            {
                PacketDecoder.Decode(record.Data, record.LinkType, record.OriginalLength, ref packet);
                tracker.Add(packet, record.TimestampNanos);
            }
            if (drain is not null && (++n & 0xFFFF) == 0)
            {
                drain();
            }
        }
    }

    private static void WriteTotals(FlowTotals t, long evicted, bool json, Stream stdout)
    {
        var sb = new StringBuilder();
        EndReason[] reasons = Enum.GetValues<EndReason>();
        if (json)
        {
            sb.Append($"{{\"flows\":{t.Flows},\"packets\":{t.Packets},\"bytes\":{t.Bytes},\"evicted\":{evicted},\"endReason\":{{");
            sb.AppendJoin(',', reasons.Select(r => $"\"{r.ToString().ToLowerInvariant()}\":{t.ByReason(r)}"));
            sb.Append("},\"connState\":{");
            sb.AppendJoin(',', t.ByConnState.Select(kv => $"\"{kv.Key}\":{kv.Value}"));
            sb.Append("}}\n");
        }
        else
        {
            sb.Append($"flows\t{t.Flows}\npackets\t{t.Packets}\nbytes\t{t.Bytes}\nevicted\t{evicted}\n");
            foreach (EndReason r in reasons)
            {
                sb.Append($"endReason.{r.ToString().ToLowerInvariant()}\t{t.ByReason(r)}\n");
            }
            foreach (var kv in t.ByConnState)
            {
                sb.Append($"connState.{kv.Key}\t{kv.Value}\n");
            }
        }
        stdout.Write(Encoding.UTF8.GetBytes(sb.ToString()));
    }
}
