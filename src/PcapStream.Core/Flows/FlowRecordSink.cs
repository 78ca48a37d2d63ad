namespace PcapStream.Flows;

/// <summary>Turns ended table entries into <see cref="FlowRecord"/>s (one allocation per flow, none per packet).</summary>
internal sealed class FlowRecordSink(string sensor, List<string> files) : IFlowSink
{
    /// <summary>Where records go; set before each call that may end flows.</summary>
    public List<FlowRecord>? Output { get; set; }

    public void Ended(FlowTable table, ref FlowEntry entry, EndReason reason)
    {
        Output?.Add(ToRecord(entry, reason, sensor, files, table.ExtraFiles(SlotOf(table, ref entry))));
    }

    // The sink is handed the entry by reference; find its slot for the rare non-contiguous file list.
    private static int SlotOf(FlowTable table, ref FlowEntry entry) => table.Find(entry.Key, entry.Hash);

    /// <summary>Builds the public record of an entry: originator decided here, direction counters mapped.</summary>
    public static FlowRecord ToRecord(in FlowEntry e, EndReason reason, string sensor, List<string> files, List<int>? extraFiles)
    {
        FlowKey k = e.Key;
        bool aIsOrig = e.OrigDir == 0;
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
        return new FlowRecord
        {
            FlowId = FlowIds.FlowId(sensor, k, e.First),
            CommunityId = FlowIds.CommunityId(k),
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
}
