using System.Numerics;
using PcapStream.Flows;
using PcapStream.Output;
using PcapStream.Sinks.Parquet;
using F = PcapStream.Output.FlowColumn;

namespace PcapStream.Sinks;

/// <summary>
/// The <c>flows</c> dataset: schema from <see cref="FlowColumns"/> (THE column list) and the encoder of its parts:
/// one per capture stream and hour of the first packet per batch, named part-&lt;batch&gt;-&lt;streamIndex&gt;.parquet
/// (which parts, and when, is <see cref="FlowBatchWriter"/>'s).
/// </summary>
internal static class FlowSink
{
    /// <summary>Schema name of an end reason (idle, active, fin, rst, eof, evicted).</summary>
    public static string NameOf(EndReason reason) => FlowColumns.EndReasonName(reason);

    /// <summary>One capture stream's ended flows of a batch, with the stream's index (the part names' n).</summary>
    public readonly record struct StreamFlows(int StreamIndex, IReadOnlyList<FlowRecord> Flows);

    /// <summary>
    /// Writes <paramref name="parts"/>, up to <paramref name="parallelism"/> at once (this thread is one of the
    /// workers), largest first so the workers finish together; sets each part's <see cref="FlowPart.Path"/> and
    /// <see cref="FlowPart.WrittenRows"/>. A part's bytes depend only on its rows (in the stitcher's order), never
    /// on which thread wrote it or when. On failure the first error is thrown once every worker stopped.
    /// </summary>
    public static void WriteParts(string output, long batch, List<FlowPart> parts, SinkOptions options, int parallelism,
        CancellationToken cancel)
    {
        if (parts.Count == 0)
        {
            return;
        }
        int[] order = new int[parts.Count];
        for (int i = 0; i < order.Length; i++)
        {
            order[i] = i;
        }
        Array.Sort(order, (a, b) => parts[a].Flows.Count != parts[b].Flows.Count
            ? parts[b].Flows.Count.CompareTo(parts[a].Flows.Count) : a.CompareTo(b));
        int workers = Math.Clamp(parallelism, 1, parts.Count);
        using var failed = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        Exception? error = null;
        int next = -1;
        void Work()
        {
            try
            {
                int k;
                while ((k = Interlocked.Increment(ref next)) < order.Length)
                {
                    failed.Token.ThrowIfCancellationRequested();
                    FlowPart p = parts[order[k]];
                    WritePart(output, batch, p, System.Runtime.InteropServices.CollectionsMarshal.AsSpan(p.Flows), options, failed.Token);
                }
            }
            catch (Exception e)
            {
                // The first failure is the one reported (a cancel of the others is its consequence).
                Interlocked.CompareExchange(ref error, e, null);
                failed.Cancel();
            }
        }
        var helpers = new Task[workers - 1];
        for (int w = 0; w < helpers.Length; w++)
        {
            helpers[w] = Task.Run(Work, CancellationToken.None);
        }
        Work();
        Task.WaitAll(helpers);
        if (error is not null)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(error);
        }
    }

    /// <summary>Writes one part from <paramref name="rows"/> (its rows so far); records its path and row count.</summary>
    public static void WritePart(string output, long batch, FlowPart p, ReadOnlySpan<FlowRecord> rows, SinkOptions options,
        CancellationToken cancel)
    {
        // Sets come in power-of-two sizes (from 4 Ki rows), so a kept set fits most later parts of similar size
        // instead of a slightly larger part allocating a new one.
        int capacity = Math.Min(options.FlowRowGroupRows, (int)Math.Min(1 << 30, BitOperations.RoundUpToPowerOf2((uint)Math.Max(rows.Length, 4096))));
        RowGroupColumns columns = RentColumns(ref capacity);
        using (PartFile part = PartFile.Create(DatasetLayout.PartitionDirectory(output, DatasetLayout.Flows, p.Hour),
            DatasetLayout.PartName(batch, p.StreamIndex), FlowColumns.Columns, options))
        {
            // The set may be larger than asked (kept from an earlier write): row groups stay FlowRowGroupRows.
            int rowsPerGroup = Math.Min(options.FlowRowGroupRows, capacity);
            for (int start = 0; start < rows.Length; start += rowsPerGroup)
            {
                cancel.ThrowIfCancellationRequested();
                int count = Math.Min(rowsPerGroup, rows.Length - start);
                Fill(columns, rows.Slice(start, count));
                columns.Write(part.Writer);
                Streaming.FaultInjection.Pause("row-group");
            }
            part.Complete();
            p.Path = part.FinalPath;
        }
        p.WrittenRows = rows.Length;
        // Returned only after a write that went through: a failed one may leave a half-filled row group behind.
        ReturnColumns(columns, capacity);
    }

    // The row buffers of earlier writes, kept for the next batch: allocating them per batch (tens of MB of arrays
    // on the large-object heap, zeroed and first-touched) was ~2.5 % of a flows-only ingest. One set per worker
    // (at most one per core) is kept; a write that fails drops its set instead of returning it.
    private static readonly Lock s_cacheLock = new();
    private static readonly List<(RowGroupColumns Columns, int Capacity)> s_cached = [];

    /// <summary>A set of row buffers for at least <paramref name="capacity"/> rows; sets it to the set's own capacity.</summary>
    private static RowGroupColumns RentColumns(ref int capacity)
    {
        lock (s_cacheLock)
        {
            // The smallest set that is large enough, so a large one stays for a large write.
            int best = -1;
            for (int i = 0; i < s_cached.Count; i++)
            {
                if (s_cached[i].Capacity >= capacity && (best < 0 || s_cached[i].Capacity < s_cached[best].Capacity))
                {
                    best = i;
                }
            }
            if (best >= 0)
            {
                (RowGroupColumns columns, capacity) = s_cached[best];
                s_cached.RemoveAt(best);
                return columns;
            }
        }
        return new RowGroupColumns(FlowColumns.Columns, capacity, [(int)F.FlowId, (int)F.CommunityId]);
    }

    private static void ReturnColumns(RowGroupColumns columns, int capacity)
    {
        columns.Reset(); // empty already after Write; also drops what an abandoned row group left
        lock (s_cacheLock)
        {
            s_cached.Add((columns, capacity));
            if (s_cached.Count > Math.Max(1, Environment.ProcessorCount))
            {
                int smallest = 0;
                for (int i = 1; i < s_cached.Count; i++)
                {
                    if (s_cached[i].Capacity < s_cached[smallest].Capacity)
                    {
                        smallest = i;
                    }
                }
                s_cached.RemoveAt(smallest);
            }
        }
    }

    private static void Fill(RowGroupColumns c, ReadOnlySpan<FlowRecord> flows)
    {
        StringColumn sensor = c.String((int)F.Sensor), protocol = c.String((int)F.Protocol), srcIp = c.String((int)F.SrcIP),
            dstIp = c.String((int)F.DstIP), connState = c.String((int)F.ConnState), endReason = c.String((int)F.EndReason);
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
        FillIds(c.String((int)F.FlowId), c.String((int)F.CommunityId), flows);
        foreach (FlowRecord f in flows)
        {
            bool v4 = f.IpVersion == 4;
            sensor.Add(f.Sensor);
            firstSeen.Add(Utf8Format.FloorDiv(f.FirstSeenNanos, 1000));
            lastSeen.Add(Utf8Format.FloorDiv(f.LastSeenNanos, 1000));
            firstNanos.Add(f.FirstSeenNanos);
            lastNanos.Add(f.LastSeenNanos);
            duration.Add(f.DurationSeconds);
            ipVersion.Add(f.IpVersion);
            // Protocol and end reason keyed by number: an array load, not a lookup by string reference.
            int proto = protocol.FindKey(f.IpProto);
            protocol.AddIndex(proto >= 0 ? proto : protocol.AddKey(f.IpProto, f.Protocol));
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
            int reason = endReason.FindKey((int)f.EndReason);
            endReason.AddIndex(reason >= 0 ? reason : endReason.AddKey((int)f.EndReason, FlowColumns.EndReasonName(f.EndReason)));
            files.Add(f.Files);
        }
    }

    // The two id columns, written as ASCII straight into the columns (no string per flow): the flow id hashed from
    // the key here, the Community ID too unless the record already has it (the per-file builder computed it for
    // packet rows). Hashing here rather than when the record is built keeps it off the stitching thread; the
    // sensor's UTF-8 is encoded once per row group.
    private static void FillIds(StringColumn flowId, StringColumn communityId, ReadOnlySpan<FlowRecord> flows)
    {
        string? sensor = null;
        byte[] sensorUtf8 = [];
        foreach (FlowRecord f in flows)
        {
            if (f.KnownFlowId is { } id)
            {
                flowId.AppendDistinct(id);
            }
            else
            {
                if (!ReferenceEquals(f.Sensor, sensor))
                {
                    sensor = f.Sensor;
                    sensorUtf8 = System.Text.Encoding.UTF8.GetBytes(sensor);
                }
                FlowIds.FlowIdUtf8(sensorUtf8, f.Key, f.FirstSeenNanos, flowId.AppendDistinct(FlowIds.FlowIdLength));
            }
        }
        // The Community IDs in groups: the keys of the records without one are hashed together, then every
        // record's ID is appended in row order.
        var group = new CommunityIdGroup(stackalloc Decoding.CommunityIdTuple[CommunityIdGroup.Size],
            stackalloc byte[CommunityIdGroup.Size * CommunityIdGroup.TextLength]);
        for (int start = 0; start < flows.Length; start += CommunityIdGroup.Size)
        {
            ReadOnlySpan<FlowRecord> rows = flows.Slice(start, Math.Min(CommunityIdGroup.Size, flows.Length - start));
            foreach (FlowRecord f in rows)
            {
                if (f.KnownCommunityId is null)
                {
                    group.Add(f.Key);
                }
            }
            group.Hash();
            int n = 0;
            foreach (FlowRecord f in rows)
            {
                if (f.KnownCommunityId is { } known)
                {
                    communityId.AppendDistinct(known);
                }
                else
                {
                    group.TextOf(n++).CopyTo(communityId.AppendDistinct(CommunityIdGroup.TextLength));
                }
            }
            group.Clear();
        }
    }
}

/// <summary>The flows of one part (one stream, one hour of first packets) of a batch, in the stitcher's order.</summary>
internal sealed class FlowPart(int streamIndex, long hour)
{
    public int StreamIndex { get; } = streamIndex;

    /// <summary>Hour bucket of the first packets (<see cref="DatasetLayout.HourOf"/>).</summary>
    public long Hour { get; } = hour;

    public List<FlowRecord> Flows { get; } = [];

    /// <summary>Rows in the file written so far (-1: none); when it differs from the rows now held, the part is (re)written.</summary>
    public int WrittenRows { get; set; } = -1;

    /// <summary>Final path of the written file.</summary>
    public string? Path { get; set; }

    /// <summary>Handed to the early writer (set and read on the stitching thread only).</summary>
    public bool Queued { get; set; }
}
