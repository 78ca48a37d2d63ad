using PcapStream.Flows;
using PcapStream.Output;
using PcapStream.Sinks.Parquet;
using F = PcapStream.Output.FlowColumn;

namespace PcapStream.Sinks;

/// <summary>
/// The <c>flows</c> dataset: schema from <see cref="FlowColumns"/> (THE column list) and the writer of one capture
/// stream's ended flows of a batch, partitioned by the hour of the first packet, named
/// part-&lt;batch&gt;-&lt;streamIndex&gt;.parquet.
/// </summary>
internal static class FlowSink
{
    /// <summary>Schema name of an end reason (idle, active, fin, rst, eof, evicted).</summary>
    public static string NameOf(EndReason reason) => FlowColumns.EndReasonName(reason);

    /// <summary>Writes <paramref name="flows"/> (one stream's, one batch's) and returns the part files written.</summary>
    public static Task<List<string>> WriteAsync(string output, long batch, int streamIndex, IReadOnlyList<FlowRecord> flows,
        SinkOptions options, CancellationToken cancel)
    {
        // Group by hour of the first packet; order inside a partition follows the stitcher's (deterministic) order.
        var byHour = new SortedDictionary<long, List<FlowRecord>>();
        foreach (FlowRecord flow in flows)
        {
            long hour = DatasetLayout.HourOf(flow.FirstSeenNanos);
            if (!byHour.TryGetValue(hour, out List<FlowRecord>? list))
            {
                byHour.Add(hour, list = []);
            }
            list.Add(flow);
        }
        var paths = new List<string>(byHour.Count);
        int capacity = Math.Min(options.FlowRowGroupRows, flows.Count);
        RowGroupColumns? columns = null;
        foreach ((long hour, List<FlowRecord> list) in byHour)
        {
            using PartFile part = PartFile.Create(DatasetLayout.PartitionDirectory(output, DatasetLayout.Flows, hour),
                DatasetLayout.PartName(batch, streamIndex), FlowColumns.Columns, options);
            columns ??= RentColumns(ref capacity);
            for (int start = 0; start < list.Count; start += options.FlowRowGroupRows)
            {
                cancel.ThrowIfCancellationRequested();
                int count = Math.Min(options.FlowRowGroupRows, list.Count - start);
                Fill(columns, list, start, count);
                columns.Write(part.Writer);
                Streaming.FaultInjection.Pause("row-group");
            }
            part.Complete();
            paths.Add(part.FinalPath);
        }
        if (columns is not null)
        {
            ReturnColumns(columns, capacity);
        }
        return Task.FromResult(paths);
    }

    // The row buffers of the last write, kept for the next batch: allocating them per batch (tens of MB of arrays
    // on the large-object heap, zeroed and first-touched) was ~2.5 % of a flows-only ingest. One set is kept (the
    // largest asked for, at most FlowRowGroupRows rows); a write that fails drops its set instead of returning it.
    private static readonly Lock s_cacheLock = new();
    private static RowGroupColumns? s_cached;
    private static int s_cachedCapacity;

    /// <summary>A set of row buffers for at least <paramref name="capacity"/> rows; sets it to the set's own capacity.</summary>
    private static RowGroupColumns RentColumns(ref int capacity)
    {
        lock (s_cacheLock)
        {
            if (s_cached is { } cached && s_cachedCapacity >= capacity)
            {
                s_cached = null;
                capacity = s_cachedCapacity;
                return cached;
            }
        }
        return new RowGroupColumns(FlowColumns.Columns, capacity);
    }

    private static void ReturnColumns(RowGroupColumns columns, int capacity)
    {
        columns.Reset(); // empty already after Write; also drops what an abandoned row group left
        lock (s_cacheLock)
        {
            if (s_cached is null || s_cachedCapacity <= capacity)
            {
                s_cached = columns;
                s_cachedCapacity = capacity;
            }
        }
    }

    private static void Fill(RowGroupColumns c, List<FlowRecord> flows, int start, int n)
    {
        StringColumn flowId = c.String((int)F.FlowId), communityId = c.String((int)F.CommunityId), sensor = c.String((int)F.Sensor),
            protocol = c.String((int)F.Protocol), srcIp = c.String((int)F.SrcIP), dstIp = c.String((int)F.DstIP),
            connState = c.String((int)F.ConnState), endReason = c.String((int)F.EndReason);
        NumericColumn<long> firstSeen = c.Int64((int)F.FirstSeen), lastSeen = c.Int64((int)F.LastSeen),
            firstNanos = c.Int64((int)F.FirstSeenNanos), lastNanos = c.Int64((int)F.LastSeenNanos);
        NumericColumn<double> duration = c.Double((int)F.DurationSeconds);
        NumericColumn<int> ipVersion = c.Int32((int)F.IpVersion), ipProto = c.Int32((int)F.IpProto), srcPort = c.Int32((int)F.SrcPort),
            dstPort = c.Int32((int)F.DstPort), vlan = c.Int32((int)F.Vlan), flagsSrc = c.Int32((int)F.TcpFlagsSrc),
            flagsDst = c.Int32((int)F.TcpFlagsDst);
        var counters = new NumericColumn<long>[8];
        for (int k = 0; k < 8; k++)
        {
            counters[k] = c.Int64((int)F.SrcPackets + k);
        }
        StringListColumn files = c.List((int)F.Files);
        for (int i = 0; i < n; i++)
        {
            FlowRecord f = flows[start + i];
            bool v4 = f.IpVersion == 4;
            flowId.Add(f.FlowId);
            communityId.Add(f.CommunityId);
            sensor.Add(f.Sensor);
            firstSeen.Add(Utf8Format.FloorDiv(f.FirstSeenNanos, 1000));
            lastSeen.Add(Utf8Format.FloorDiv(f.LastSeenNanos, 1000));
            firstNanos.Add(f.FirstSeenNanos);
            lastNanos.Add(f.LastSeenNanos);
            duration.Add(f.DurationSeconds);
            ipVersion.Add(f.IpVersion);
            protocol.Add(f.Protocol);
            ipProto.Add(f.IpProto);
            srcIp.AddAddress(f.SrcIP, v4);
            srcPort.Add(f.SrcPort.HasValue, f.SrcPort.GetValueOrDefault());
            dstIp.AddAddress(f.DstIP, v4);
            dstPort.Add(f.DstPort.HasValue, f.DstPort.GetValueOrDefault());
            vlan.Add(f.Vlan.HasValue, f.Vlan.GetValueOrDefault());
            counters[0].Add(f.SrcPackets);
            counters[1].Add(f.DstPackets);
            counters[2].Add(f.SrcBytes);
            counters[3].Add(f.DstBytes);
            counters[4].Add(f.SrcIpBytes);
            counters[5].Add(f.DstIpBytes);
            counters[6].Add(f.SrcPayloadBytes);
            counters[7].Add(f.DstPayloadBytes);
            // The flag unions exist only for TCP (FlowColumns' null rule).
            bool tcp = f.IpProto == 6;
            flagsSrc.Add(tcp, f.TcpFlagsSrc);
            flagsDst.Add(tcp, f.TcpFlagsDst);
            connState.Add(f.ConnState);
            endReason.Add(FlowColumns.EndReasonName(f.EndReason));
            files.Add(f.Files);
        }
    }
}
