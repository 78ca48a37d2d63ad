using Parquet;
using Parquet.Schema;
using PcapStream.Flows;

namespace PcapStream.Sinks;

/// <summary>
/// The <c>flows</c> dataset: schema (DESIGN.md "Records" order; timestamps plain TIMESTAMP(MICROS), values UTC)
/// and the writer of one capture stream's ended flows of a batch, partitioned by the hour of the first packet,
/// named part-&lt;batch&gt;-&lt;streamIndex&gt;.parquet.
/// </summary>
internal static class FlowSink
{
    private static readonly DateTimeDataField FirstSeen = new("firstSeen", DateTimeFormat.Timestamp, isAdjustedToUTC: false, unit: DateTimeTimeUnit.Micros);
    private static readonly DateTimeDataField LastSeen = new("lastSeen", DateTimeFormat.Timestamp, isAdjustedToUTC: false, unit: DateTimeTimeUnit.Micros);
    private static readonly DataField<string> FlowId = new("flowId", nullable: false);
    private static readonly DataField<string> CommunityId = new("communityId", nullable: true);
    private static readonly DataField<string> Sensor = new("sensor", nullable: false);
    private static readonly DataField<long> FirstSeenNanos = new("firstSeenNanos");
    private static readonly DataField<long> LastSeenNanos = new("lastSeenNanos");
    private static readonly DataField<double> DurationSeconds = new("durationSeconds");
    private static readonly DataField<int> IpVersion = new("ipVersion");
    private static readonly DataField<string> Protocol = new("protocol", nullable: false);
    private static readonly DataField<int> IpProto = new("ipProto");
    private static readonly DataField<string> SrcIP = new("srcIP", nullable: false);
    private static readonly DataField<int?> SrcPort = new("srcPort");
    private static readonly DataField<string> DstIP = new("dstIP", nullable: false);
    private static readonly DataField<int?> DstPort = new("dstPort");
    private static readonly DataField<int?> Vlan = new("vlan");
    private static readonly DataField<long>[] Counters =
    [
        new("srcPackets"), new("dstPackets"), new("srcBytes"), new("dstBytes"),
        new("srcIpBytes"), new("dstIpBytes"), new("srcPayloadBytes"), new("dstPayloadBytes"),
    ];
    private static readonly DataField<int> TcpFlagsSrc = new("tcpFlagsSrc");
    private static readonly DataField<int> TcpFlagsDst = new("tcpFlagsDst");
    private static readonly DataField<string> ConnState = new("connState", nullable: false);
    private static readonly DataField<string> EndReasonField = new("endReason", nullable: false);
    private static readonly ListField Files = new("files", new DataField<string>("element", nullable: false));

    private static readonly string[] EndReasonNames = ["idle", "active", "fin", "rst", "eof", "evicted"];

    /// <summary>The schema, column order as written.</summary>
    public static readonly ParquetSchema Schema = new(
        FlowId, CommunityId, Sensor, FirstSeen, LastSeen, FirstSeenNanos, LastSeenNanos, DurationSeconds, IpVersion,
        Protocol, IpProto, SrcIP, SrcPort, DstIP, DstPort, Vlan, Counters[0], Counters[1], Counters[2], Counters[3],
        Counters[4], Counters[5], Counters[6], Counters[7], TcpFlagsSrc, TcpFlagsDst, ConnState, EndReasonField, Files);

    /// <summary>Schema name of an end reason (idle, active, fin, rst, eof, evicted).</summary>
    public static string NameOf(EndReason reason) => EndReasonNames[(int)reason];

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
        var text = new string[n];
        var longs = new long[n];
        var ints = new int[n];
        var nullableInts = new int?[n];
        var times = new DateTime[n];
        var doubles = new double[n];
        using ParquetRowGroupWriter rg = writer.CreateRowGroup();

        async Task Strings(DataField field, Func<FlowRecord, string> get)
        {
            for (int i = 0; i < n; i++)
            {
                text[i] = get(flows[start + i]);
            }
            await rg.WriteAsync(field, text, null);
        }
        async Task Longs(DataField field, Func<FlowRecord, long> get)
        {
            for (int i = 0; i < n; i++)
            {
                longs[i] = get(flows[start + i]);
            }
            await rg.WriteAsync<long>(field, longs, null, null, cancel);
        }
        async Task Ints(DataField field, Func<FlowRecord, int> get)
        {
            for (int i = 0; i < n; i++)
            {
                ints[i] = get(flows[start + i]);
            }
            await rg.WriteAsync<int>(field, ints, null, null, cancel);
        }
        async Task NullableInts(DataField field, Func<FlowRecord, int?> get)
        {
            for (int i = 0; i < n; i++)
            {
                nullableInts[i] = get(flows[start + i]);
            }
            await rg.WriteAsync<int>(field, nullableInts, null, null, cancel);
        }
        async Task Times(DataField field, Func<FlowRecord, long> get)
        {
            for (int i = 0; i < n; i++)
            {
                times[i] = DateTime.UnixEpoch.AddTicks(get(flows[start + i]) / 100);
            }
            await rg.WriteAsync<DateTime>(field, times, null, null, cancel);
        }

        await Strings(FlowId, f => f.FlowId);
        await Strings(CommunityId, f => f.CommunityId);
        await Strings(Sensor, f => f.Sensor);
        await Times(FirstSeen, f => f.FirstSeenNanos);
        await Times(LastSeen, f => f.LastSeenNanos);
        await Longs(FirstSeenNanos, f => f.FirstSeenNanos);
        await Longs(LastSeenNanos, f => f.LastSeenNanos);
        for (int i = 0; i < n; i++)
        {
            doubles[i] = flows[start + i].DurationSeconds;
        }
        await rg.WriteAsync<double>(DurationSeconds, doubles, null, null, cancel);
        await Ints(IpVersion, f => f.IpVersion);
        await Strings(Protocol, f => f.Protocol);
        await Ints(IpProto, f => f.IpProto);
        await Strings(SrcIP, f => addresses.Get(f.SrcIP));
        await NullableInts(SrcPort, f => f.SrcPort);
        await Strings(DstIP, f => addresses.Get(f.DstIP));
        await NullableInts(DstPort, f => f.DstPort);
        await NullableInts(Vlan, f => f.Vlan);
        await Longs(Counters[0], f => f.SrcPackets);
        await Longs(Counters[1], f => f.DstPackets);
        await Longs(Counters[2], f => f.SrcBytes);
        await Longs(Counters[3], f => f.DstBytes);
        await Longs(Counters[4], f => f.SrcIpBytes);
        await Longs(Counters[5], f => f.DstIpBytes);
        await Longs(Counters[6], f => f.SrcPayloadBytes);
        await Longs(Counters[7], f => f.DstPayloadBytes);
        await Ints(TcpFlagsSrc, f => f.TcpFlagsSrc);
        await Ints(TcpFlagsDst, f => f.TcpFlagsDst);
        await Strings(ConnState, f => f.ConnState);
        await Strings(EndReasonField, f => NameOf(f.EndReason));

        // A list column: one value per file, repetition level 0 starts a row, 1 continues it.
        var files = new List<string>(n * 2);
        var levels = new List<int>(n * 2);
        for (int i = 0; i < n; i++)
        {
            IReadOnlyList<string> list = flows[start + i].Files;
            for (int k = 0; k < list.Count; k++)
            {
                files.Add(list[k]);
                levels.Add(k == 0 ? 0 : 1);
            }
        }
        await rg.WriteAsync((DataField)Files.Item, files, levels.ToArray());
        rg.CompleteValidate();
    }
}
