using Parquet.Schema;

namespace PcapStream.Sinks;

/// <summary>
/// The Parquet schema of the <c>packets</c> dataset, in DESIGN.md "Records" order. Timestamps are plain
/// TIMESTAMP(MICROS) (not adjusted to UTC in the Parquet sense, so DuckDB, Spark, Trino and Drill all read a plain
/// timestamp; the values ARE UTC). Columns a packet may lack are nullable.
/// </summary>
internal static class PacketSchema
{
    public static readonly DateTimeDataField Timestamp = new("timestamp", DateTimeFormat.Timestamp, isAdjustedToUTC: false, unit: DateTimeTimeUnit.Micros);
    public static readonly DataField<long> TimestampNanos = new("timestampNanos");
    public static readonly DataField<long> TimestampMillis = new("timestampMillis");
    public static readonly DataField<string> Sensor = new("sensor", nullable: false);
    public static readonly DataField<string> File = new("file", nullable: false);
    public static readonly DataField<long> FileOffset = new("fileOffset");
    public static readonly DataField<long> FrameNumber = new("frameNumber");
    public static readonly DataField<int> Length = new("length");
    public static readonly DataField<int> CapturedLength = new("capturedLength");
    public static readonly DataField<int> LinkType = new("linkType");
    public static readonly DataField<int?> Vlan = new("vlan");
    public static readonly DataField<int?> IpVersion = new("ipVersion");
    public static readonly DataField<string> SrcIP = new("srcIP", nullable: true);
    public static readonly DataField<string> DstIP = new("dstIP", nullable: true);
    public static readonly DataField<string> Protocol = new("protocol", nullable: true);
    public static readonly DataField<int?> IpProto = new("ipProto");
    public static readonly DataField<int?> SrcPort = new("srcPort");
    public static readonly DataField<int?> DstPort = new("dstPort");
    public static readonly DataField<int?> Ttl = new("ttl");
    public static readonly DataField<bool?> IpFlagsDf = new("ipFlagsDf");
    public static readonly DataField<bool?> IpFlagsMf = new("ipFlagsMf");
    public static readonly DataField<int?> FragmentOffset = new("fragmentOffset");
    public static readonly DataField<long?> TcpSeq = new("tcpSeq");
    public static readonly DataField<long?> TcpAck = new("tcpAck");
    public static readonly DataField<int?> TcpFlags = new("tcpFlags");

    /// <summary>tcpFlagNs ... tcpFlagFin: flag bit 8 down to bit 0.</summary>
    public static readonly DataField<bool?>[] TcpFlagBits =
    [
        new("tcpFlagNs"), new("tcpFlagCwr"), new("tcpFlagEce"), new("tcpFlagUrg"), new("tcpFlagAck"),
        new("tcpFlagPsh"), new("tcpFlagRst"), new("tcpFlagSyn"), new("tcpFlagFin"),
    ];

    public static readonly DataField<int?> TcpWindow = new("tcpWindow");
    public static readonly DataField<int?> UdpLength = new("udpLength");
    public static readonly DataField<int?> UdpSum = new("udpSum");
    public static readonly DataField<int?> IcmpType = new("icmpType");
    public static readonly DataField<int?> IcmpCode = new("icmpCode");
    public static readonly DataField<int?> PayloadLength = new("payloadLength");
    public static readonly DataField<string> CommunityId = new("communityId", nullable: true);
    public static readonly DataField<string> Tunnel = new("tunnel", nullable: true);
    public static readonly DataField<string> OuterSrcIP = new("outerSrcIP", nullable: true);
    public static readonly DataField<string> OuterDstIP = new("outerDstIP", nullable: true);
    public static readonly DataField<string> Anomaly = new("anomaly", nullable: true);

    /// <summary>The whole schema, column order as written.</summary>
    public static readonly ParquetSchema Schema = Build();

    private static ParquetSchema Build()
    {
        var fields = new List<Field>
        {
            Timestamp, TimestampNanos, TimestampMillis, Sensor, File, FileOffset, FrameNumber, Length, CapturedLength,
            LinkType, Vlan, IpVersion, SrcIP, DstIP, Protocol, IpProto, SrcPort, DstPort, Ttl, IpFlagsDf, IpFlagsMf,
            FragmentOffset, TcpSeq, TcpAck, TcpFlags,
        };
        fields.AddRange(TcpFlagBits);
        fields.AddRange([TcpWindow, UdpLength, UdpSum, IcmpType, IcmpCode, PayloadLength, CommunityId, Tunnel, OuterSrcIP, OuterDstIP, Anomaly]);
        return new ParquetSchema(fields);
    }
}
