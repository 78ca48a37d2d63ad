using System.Text;
using PcapStream.Decoding;
using PcapStream.Flows;

namespace PcapStream.Output;

/// <summary>Ordinals of the <c>flows</c> columns, in schema order (DESIGN.md "Records").</summary>
public enum FlowColumn
{
    FlowId, CommunityId, Sensor, FirstSeen, LastSeen, FirstSeenNanos, LastSeenNanos, DurationSeconds, IpVersion,
    Protocol, IpProto, SrcIP, SrcPort, DstIP, DstPort, Vlan, SrcPackets, DstPackets, SrcBytes, DstBytes, SrcIpBytes,
    DstIpBytes, SrcPayloadBytes, DstPayloadBytes, TcpFlagsSrc, TcpFlagsDst, ConnState, EndReason, Files,
}

/// <summary>
/// The ONE definition of the <c>flows</c> columns (the twin of <see cref="PacketColumns"/>) over
/// <see cref="FlowRecord"/>: names, types, null rules (ports null for protocols without them, <c>vlan</c> null
/// without a tag, TCP flag unions null for non-TCP flows) and text forms.
/// </summary>
public sealed class FlowColumns : IColumnSet<FlowRecord>
{
    private FlowColumns()
    {
    }

    private static readonly ColumnDefinition[] Definitions =
    [
        new("flowId", ColumnType.String, false, "Deterministic flow id (same input, same id)."),
        new("communityId", ColumnType.String, false, "Community ID v1, seed 0."),
        new("sensor", ColumnType.String, false, "Capture stream."),
        new("firstSeen", ColumnType.Timestamp, false, "First packet time, UTC, microseconds."),
        new("lastSeen", ColumnType.Timestamp, false, "Last packet time, UTC, microseconds."),
        new("firstSeenNanos", ColumnType.Int64, false, "First packet time, ns since the Unix epoch."),
        new("lastSeenNanos", ColumnType.Int64, false, "Last packet time, ns since the Unix epoch."),
        new("durationSeconds", ColumnType.Double, false, "lastSeen - firstSeen in seconds."),
        new("ipVersion", ColumnType.Int32, false, "4 or 6."),
        new("protocol", ColumnType.String, false, "Transport name or number."),
        new("ipProto", ColumnType.Int32, false, "IP protocol number."),
        new("srcIP", ColumnType.String, false, "Originator address."),
        new("srcPort", ColumnType.Int32, true, "Originator port (ICMP: type)."),
        new("dstIP", ColumnType.String, false, "Responder address."),
        new("dstPort", ColumnType.Int32, true, "Responder port (ICMP: code)."),
        new("vlan", ColumnType.Int32, true, "Outermost VLAN id."),
        new("srcPackets", ColumnType.Int64, false, "Packets from the originator."),
        new("dstPackets", ColumnType.Int64, false, "Packets from the responder."),
        new("srcBytes", ColumnType.Int64, false, "Wire bytes from the originator (whole frames)."),
        new("dstBytes", ColumnType.Int64, false, "Wire bytes from the responder (whole frames)."),
        new("srcIpBytes", ColumnType.Int64, false, "IP bytes from the originator."),
        new("dstIpBytes", ColumnType.Int64, false, "IP bytes from the responder."),
        new("srcPayloadBytes", ColumnType.Int64, false, "Transport payload bytes from the originator."),
        new("dstPayloadBytes", ColumnType.Int64, false, "Transport payload bytes from the responder."),
        new("tcpFlagsSrc", ColumnType.Int32, true, "Union of the originator's TCP flags (TCP only)."),
        new("tcpFlagsDst", ColumnType.Int32, true, "Union of the responder's TCP flags (TCP only)."),
        new("connState", ColumnType.String, false, "Zeek conn_state (S0, S1, SF, REJ, RSTO, ...)."),
        new("endReason", ColumnType.String, false, "idle, active, fin, rst, eof or evicted."),
        new("files", ColumnType.StringList, false, "Capture files holding the flow's packets, in capture order."),
    ];

    private static readonly string[] EndReasonNames = ["idle", "active", "fin", "rst", "eof", "evicted"];

    /// <summary>The columns in schema order; index = <see cref="FlowColumn"/> value.</summary>
    public static IReadOnlyList<ColumnDefinition> Columns => Definitions;

    /// <summary>Schema text of an <see cref="Flows.EndReason"/>.</summary>
    public static string EndReasonName(EndReason reason) =>
        (int)reason < EndReasonNames.Length ? EndReasonNames[(int)reason] : reason.ToString().ToLowerInvariant();

    /// <summary>Integer value of an Int64/Int32/Timestamp column (timestamps in microseconds). False when null.</summary>
    public static bool TryGetInt64(int ordinal, scoped in FlowRecord row, out long value)
    {
        bool tcp = row.IpProto == 6;
        (bool has, value) = (FlowColumn)ordinal switch
        {
            FlowColumn.FirstSeen => (true, Utf8Format.FloorDiv(row.FirstSeenNanos, 1000)),
            FlowColumn.LastSeen => (true, Utf8Format.FloorDiv(row.LastSeenNanos, 1000)),
            FlowColumn.FirstSeenNanos => (true, row.FirstSeenNanos),
            FlowColumn.LastSeenNanos => (true, row.LastSeenNanos),
            FlowColumn.IpVersion => (true, row.IpVersion),
            FlowColumn.IpProto => (true, row.IpProto),
            FlowColumn.SrcPort => (row.SrcPort.HasValue, row.SrcPort.GetValueOrDefault()),
            FlowColumn.DstPort => (row.DstPort.HasValue, row.DstPort.GetValueOrDefault()),
            FlowColumn.Vlan => (row.Vlan.HasValue, row.Vlan.GetValueOrDefault()),
            FlowColumn.SrcPackets => (true, row.SrcPackets),
            FlowColumn.DstPackets => (true, row.DstPackets),
            FlowColumn.SrcBytes => (true, row.SrcBytes),
            FlowColumn.DstBytes => (true, row.DstBytes),
            FlowColumn.SrcIpBytes => (true, row.SrcIpBytes),
            FlowColumn.DstIpBytes => (true, row.DstIpBytes),
            FlowColumn.SrcPayloadBytes => (true, row.SrcPayloadBytes),
            FlowColumn.DstPayloadBytes => (true, row.DstPayloadBytes),
            FlowColumn.TcpFlagsSrc => (tcp, row.TcpFlagsSrc),
            FlowColumn.TcpFlagsDst => (tcp, row.TcpFlagsDst),
            _ => (false, 0L),
        };
        return has;
    }

    /// <summary>Value of a String column (addresses allocate); <c>files</c> joined with ','. Null when absent.</summary>
    public static string? GetString(int ordinal, scoped in FlowRecord row) => (FlowColumn)ordinal switch
    {
        FlowColumn.FlowId => row.FlowId,
        FlowColumn.CommunityId => row.CommunityId,
        FlowColumn.Sensor => row.Sensor,
        FlowColumn.Protocol => row.Protocol,
        FlowColumn.SrcIP => row.SrcIP.ToString(),
        FlowColumn.DstIP => row.DstIP.ToString(),
        FlowColumn.ConnState => row.ConnState,
        FlowColumn.EndReason => EndReasonName(row.EndReason),
        FlowColumn.Files => string.Join(',', row.Files),
        _ => null,
    };

    /// <inheritdoc cref="IColumnSet{TRow}.FormatUtf8"/>
    public static FieldStatus FormatUtf8(int ordinal, scoped in FlowRecord row, Span<byte> destination, out int written)
    {
        written = 0;
        switch ((FlowColumn)ordinal)
        {
            case FlowColumn.FirstSeen:
                return Status(Utf8Format.TryWriteTimestamp(row.FirstSeenNanos, 6, destination, out written));
            case FlowColumn.LastSeen:
                return Status(Utf8Format.TryWriteTimestamp(row.LastSeenNanos, 6, destination, out written));
            case FlowColumn.DurationSeconds:
                return Status(Utf8Format.TryWrite(row.DurationSeconds, destination, out written));
            case FlowColumn.SrcIP:
                return Status(Utf8Format.TryWriteIp(row.SrcIP, row.IpVersion == 4, destination, out written));
            case FlowColumn.DstIP:
                return Status(Utf8Format.TryWriteIp(row.DstIP, row.IpVersion == 4, destination, out written));
            case FlowColumn.Files:
                int n = 0;
                for (int i = 0; i < row.Files.Count; i++)
                {
                    if (i > 0)
                    {
                        if (n >= destination.Length)
                        {
                            return FieldStatus.DestinationTooSmall;
                        }
                        destination[n++] = 0; // RecordWriter.ListSeparator
                    }
                    if (!Encoding.UTF8.TryGetBytes(row.Files[i], destination[n..], out int w))
                    {
                        return FieldStatus.DestinationTooSmall;
                    }
                    n += w;
                }
                written = n;
                return FieldStatus.Value;
            default:
                if (Definitions[ordinal].Type == ColumnType.String)
                {
                    string? text = GetString(ordinal, in row);
                    return text is null ? FieldStatus.Null : Status(Encoding.UTF8.TryGetBytes(text, destination, out written));
                }
                return TryGetInt64(ordinal, in row, out long value)
                    ? Status(Utf8Format.TryWrite(value, destination, out written))
                    : FieldStatus.Null;
        }
    }

    private static FieldStatus Status(bool ok) => ok ? FieldStatus.Value : FieldStatus.DestinationTooSmall;
}
