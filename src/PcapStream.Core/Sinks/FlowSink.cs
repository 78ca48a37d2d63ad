using Parquet;
using Parquet.Schema;
using PcapStream.Flows;
using PcapStream.Output;
using F = PcapStream.Output.FlowColumn;

namespace PcapStream.Sinks;

/// <summary>
/// The <c>flows</c> dataset: schema from <see cref="FlowColumns"/> (THE column list) and the writer of one capture
/// stream's ended flows of a batch, partitioned by the hour of the first packet, named
/// part-&lt;batch&gt;-&lt;streamIndex&gt;.parquet.
/// </summary>
internal static class FlowSink
{
    /// <summary>The schema, column order as written.</summary>
    public static readonly ParquetSchema Schema = ParquetColumns.SchemaOf(FlowColumns.Columns);

    /// <summary>Schema name of an end reason (idle, active, fin, rst, eof, evicted).</summary>
    public static string NameOf(EndReason reason) => FlowColumns.EndReasonName(reason);

    /// <summary>Writes <paramref name="flows"/> (one stream's, one batch's) and returns the part files written.</summary>
    public static async Task<List<string>> WriteAsync(string output, long batch, int streamIndex, IReadOnlyList<FlowRecord> flows,
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
        var addresses = new AddressTextCache();
        foreach ((long hour, List<FlowRecord> list) in byHour)
        {
            PartFile part = await PartFile.CreateAsync(DatasetLayout.PartitionDirectory(output, DatasetLayout.Flows, hour),
                DatasetLayout.PartName(batch, streamIndex), Schema, options.Parquet, cancel);
            await using (part)
            {
                for (int start = 0; start < list.Count; start += options.FlowRowGroupRows)
                {
                    cancel.ThrowIfCancellationRequested();
                    int count = Math.Min(options.FlowRowGroupRows, list.Count - start);
                    await WriteRowGroupAsync(part.Writer, list, start, count, addresses, cancel);
                    Streaming.FaultInjection.Pause("row-group");
                }
                await part.CompleteAsync();
                paths.Add(part.FinalPath);
            }
        }
        return paths;
    }

    private static async Task WriteRowGroupAsync(ParquetWriter writer, List<FlowRecord> flows, int start, int n,
        AddressTextCache addresses, CancellationToken cancel)
    {
        var c = new RowGroupColumns(FlowColumns.Columns, Schema, n);
        ReadOnlyMemory<char>?[] flowId = c.Nullable<ReadOnlyMemory<char>>((int)F.FlowId),
            communityId = c.Nullable<ReadOnlyMemory<char>>((int)F.CommunityId),
            sensor = c.Nullable<ReadOnlyMemory<char>>((int)F.Sensor),
            protocol = c.Nullable<ReadOnlyMemory<char>>((int)F.Protocol),
            srcIp = c.Nullable<ReadOnlyMemory<char>>((int)F.SrcIP),
            dstIp = c.Nullable<ReadOnlyMemory<char>>((int)F.DstIP),
            connState = c.Nullable<ReadOnlyMemory<char>>((int)F.ConnState),
            endReason = c.Nullable<ReadOnlyMemory<char>>((int)F.EndReason);
        DateTime[] firstSeen = c.Values<DateTime>((int)F.FirstSeen), lastSeen = c.Values<DateTime>((int)F.LastSeen);
        long[] firstNanos = c.Values<long>((int)F.FirstSeenNanos), lastNanos = c.Values<long>((int)F.LastSeenNanos);
        double[] duration = c.Values<double>((int)F.DurationSeconds);
        int[] ipVersion = c.Values<int>((int)F.IpVersion), ipProto = c.Values<int>((int)F.IpProto);
        int?[] srcPort = c.Nullable<int>((int)F.SrcPort), dstPort = c.Nullable<int>((int)F.DstPort), vlan = c.Nullable<int>((int)F.Vlan),
            flagsSrc = c.Nullable<int>((int)F.TcpFlagsSrc), flagsDst = c.Nullable<int>((int)F.TcpFlagsDst);
        long[][] counters = new long[8][];
        for (int k = 0; k < 8; k++)
        {
            counters[k] = c.Values<long>((int)F.SrcPackets + k);
        }
        StringList files = c.List((int)F.Files);
        for (int i = 0; i < n; i++)
        {
            FlowRecord f = flows[start + i];
            bool v4 = f.IpVersion == 4;
            flowId[i] = f.FlowId.AsMemory();
            communityId[i] = f.CommunityId.AsMemory();
            sensor[i] = f.Sensor.AsMemory();
            firstSeen[i] = DateTime.UnixEpoch.AddTicks(f.FirstSeenNanos / 100);
            lastSeen[i] = DateTime.UnixEpoch.AddTicks(f.LastSeenNanos / 100);
            firstNanos[i] = f.FirstSeenNanos;
            lastNanos[i] = f.LastSeenNanos;
            duration[i] = f.DurationSeconds;
            ipVersion[i] = f.IpVersion;
            protocol[i] = f.Protocol.AsMemory();
            ipProto[i] = f.IpProto;
            srcIp[i] = addresses.Get(f.SrcIP, v4).AsMemory();
            srcPort[i] = f.SrcPort;
            dstIp[i] = addresses.Get(f.DstIP, v4).AsMemory();
            dstPort[i] = f.DstPort;
            vlan[i] = f.Vlan;
            counters[0][i] = f.SrcPackets;
            counters[1][i] = f.DstPackets;
            counters[2][i] = f.SrcBytes;
            counters[3][i] = f.DstBytes;
            counters[4][i] = f.SrcIpBytes;
            counters[5][i] = f.DstIpBytes;
            counters[6][i] = f.SrcPayloadBytes;
            counters[7][i] = f.DstPayloadBytes;
            // The flag unions exist only for TCP (FlowColumns' null rule).
            bool tcp = f.IpProto == 6;
            flagsSrc[i] = tcp ? f.TcpFlagsSrc : null;
            flagsDst[i] = tcp ? f.TcpFlagsDst : null;
            connState[i] = f.ConnState.AsMemory();
            endReason[i] = FlowColumns.EndReasonName(f.EndReason).AsMemory();
            files.AddRow(f.Files);
        }
        using ParquetRowGroupWriter rg = writer.CreateRowGroup();
        await c.WriteAsync(rg, n, cancel);
        rg.CompleteValidate();
    }
}
