namespace PcapStream.Flows;

/// <summary>Turns ended table entries into <see cref="FlowRecord"/>s (one allocation per flow, none per packet).</summary>
internal sealed class FlowRecordSink(string sensor, List<string> files) : IFlowSink
{
    /// <summary>Where records go; set before each call that may end flows.</summary>
    public List<FlowRecord>? Output { get; set; }

    // The one-file name list of each file index, shared by all records of flows that stayed within that file
    // (nearly all of them): one array per file instead of one per record. Records only read it.
    private string[]?[] _single = new string[]?[16];

    public void Ended(FlowTable table, ref FlowEntry entry, EndReason reason)
    {
        if (Output is { } output)
        {
            output.Add(Record(entry, reason, table.HasExtraFiles ? table.ExtraFiles(SlotOf(table, ref entry)) : null, null));
        }
    }

    /// <summary>
    /// <see cref="ToRecord"/> with the sink's sensor and files, sharing single-file name lists; a Community ID the
    /// caller already has (the per-file builder computes it for packet rows) is reused.
    /// </summary>
    public FlowRecord Record(in FlowEntry e, EndReason reason, List<int>? extraFiles, string? communityId)
    {
        string[]? names = null;
        if (extraFiles is null && e.FirstFile == e.LastFile)
        {
            int f = e.FirstFile;
            if (f >= _single.Length)
            {
                Array.Resize(ref _single, Math.Max(f + 1, _single.Length * 2));
            }
            names = _single[f] ??= [files[f]];
        }
        return ToRecord(e, reason, sensor, files, extraFiles, names, communityId);
    }

    // The sink is handed the entry by reference; find its slot for the rare non-contiguous file list.
    private static int SlotOf(FlowTable table, ref FlowEntry entry) => table.Find(entry.Key, entry.Hash);

    /// <summary>Builds the public record of an entry: originator decided here, direction counters mapped.</summary>
    public static FlowRecord ToRecord(in FlowEntry e, EndReason reason, string sensor, List<string> files, List<int>? extraFiles,
        string[]? names = null, string? communityId = null)
    {
        FlowKey k = e.Key;
        bool aIsOrig = e.OrigDir == 0;
        names ??= FileNames(e, files, extraFiles);
        return new FlowRecord
        {
            // The ids are not formatted here: the flows sink hashes them straight into its columns, off the
            // stitching thread, and other users format them on first use.
            Key = k,
            KnownCommunityId = communityId,
            Sensor = sensor,
            FirstSeenNanos = e.First,
            LastSeenNanos = e.Last,
            IpVersion = k.IsIPv4 ? (byte)4 : (byte)6,
            IpProto = k.Proto,
            SrcIP = aIsOrig ? k.A : k.B,
            DstIP = aIsOrig ? k.B : k.A,
            SrcPort = k.HasPorts ? (aIsOrig ? k.PortA : k.PortB) : null,
            DstPort = k.HasPorts ? (aIsOrig ? k.PortB : k.PortA) : null,
            Vlan = k.Vlan >= 0 ? k.Vlan : null,
            SrcPackets = aIsOrig ? e.PktA : e.PktB,
            DstPackets = aIsOrig ? e.PktB : e.PktA,
            SrcBytes = aIsOrig ? e.BytesA : e.BytesB,
            DstBytes = aIsOrig ? e.BytesB : e.BytesA,
            SrcIpBytes = aIsOrig ? e.IpA : e.IpB,
            DstIpBytes = aIsOrig ? e.IpB : e.IpA,
            SrcPayloadBytes = aIsOrig ? e.PayA : e.PayB,
            DstPayloadBytes = aIsOrig ? e.PayB : e.PayA,
            TcpFlagsSrc = aIsOrig ? e.FlagsA : e.FlagsB,
            TcpFlagsDst = aIsOrig ? e.FlagsB : e.FlagsA,
            ConnState = ConnState.Of(e),
            EndReason = reason,
            Files = names,
        };
    }

    private static string[] FileNames(in FlowEntry e, List<string> files, List<int>? extraFiles)
    {
        string[] names;
        if (extraFiles is not null)
        {
            names = new string[extraFiles.Count];
            for (int i = 0; i < names.Length; i++)
            {
                names[i] = files[extraFiles[i]];
            }
        }
        else
        {
            names = new string[e.LastFile - e.FirstFile + 1];
            for (int i = 0; i < names.Length; i++)
            {
                names[i] = files[e.FirstFile + i];
            }
        }
        return names;
    }
}
