using System.Text;
using PcapStream.Decoding;

namespace PcapStream.Output;

/// <summary>Ordinals of the <c>packets</c> columns, in schema order (DESIGN.md "Records").</summary>
public enum PacketColumn
{
    Timestamp, TimestampNanos, TimestampMillis, Sensor, File, FileOffset, FrameNumber, Length, CapturedLength,
    LinkType, Vlan, IpVersion, SrcIP, DstIP, Protocol, IpProto, SrcPort, DstPort, Ttl, IpFlagsDf, IpFlagsMf,
    FragmentOffset, TcpSeq, TcpAck, TcpFlags, TcpFlagNs, TcpFlagCwr, TcpFlagEce, TcpFlagUrg, TcpFlagAck,
    TcpFlagPsh, TcpFlagRst, TcpFlagSyn, TcpFlagFin, TcpWindow, UdpLength, UdpSum, IcmpType, IcmpCode,
    PayloadLength, CommunityId, Tunnel, OuterSrcIP, OuterDstIP, Anomaly,
}

/// <summary>
/// The ONE definition of the <c>packets</c> columns: names, types, null rules and values, used by the
/// <c>packets</c> command and the sinks. A field a packet does not have is null, never 0: ports need a TCP, UDP
/// or SCTP header (first fragment), tcp* a TCP header, udp* a UDP header, icmp* an ICMP/ICMPv6 header, IP
/// columns an IP header, <c>ipFlagsDf</c> an IPv4 header, <c>vlan</c> a tag, <c>outer*</c> a tunnel.
/// Getters are typed (no boxing): <see cref="TryGetInt64"/>, <see cref="TryGetBoolean"/>,
/// <see cref="GetString"/>, and the text form <see cref="FormatUtf8"/>.
/// </summary>
public sealed partial class PacketColumns : IColumnSet<PacketRow>
{
    private PacketColumns()
    {
    }

    private static readonly ColumnDefinition[] Definitions =
    [
        new("timestamp", ColumnType.Timestamp, true, "Packet time, UTC, microseconds (null for pcapng Simple Packet Blocks)."),
        new("timestampNanos", ColumnType.Int64, true, "Packet time, ns since the Unix epoch."),
        new("timestampMillis", ColumnType.Int64, true, "Packet time, ms since the Unix epoch."),
        new("sensor", ColumnType.String, false, "Capture stream the file belongs to."),
        new("file", ColumnType.String, false, "Capture file (path under the input root, or as given)."),
        new("fileOffset", ColumnType.Int64, false, "Byte offset of the packet's record in the (decompressed) file."),
        new("frameNumber", ColumnType.Int64, false, "1-based packet number within the file."),
        new("length", ColumnType.Int32, false, "Wire length in bytes."),
        new("capturedLength", ColumnType.Int32, false, "Captured bytes."),
        new("linkType", ColumnType.Int32, false, "LINKTYPE_ value of the frame."),
        new("vlan", ColumnType.Int32, true, "Outermost 802.1Q/802.1ad VLAN id."),
        new("ipVersion", ColumnType.Int32, true, "4 or 6 (innermost IP header)."),
        new("srcIP", ColumnType.String, true, "Source address (innermost)."),
        new("dstIP", ColumnType.String, true, "Destination address (innermost)."),
        new("protocol", ColumnType.String, true, "Transport name (TCP, UDP, ICMP, ICMPv6, SCTP, GRE, ...) or the number."),
        new("ipProto", ColumnType.Int32, true, "IP protocol number carried (after IPv6 extension headers)."),
        new("srcPort", ColumnType.Int32, true, "TCP/UDP/SCTP source port (first fragment only)."),
        new("dstPort", ColumnType.Int32, true, "TCP/UDP/SCTP destination port (first fragment only)."),
        new("ttl", ColumnType.Int32, true, "IPv4 TTL or IPv6 hop limit."),
        new("ipFlagsDf", ColumnType.Boolean, true, "IPv4 Don't Fragment (null for IPv6)."),
        new("ipFlagsMf", ColumnType.Boolean, true, "More Fragments (IPv4 header or IPv6 Fragment header)."),
        new("fragmentOffset", ColumnType.Int32, true, "Fragment offset in bytes."),
        new("tcpSeq", ColumnType.Int64, true, "TCP sequence number (raw)."),
        new("tcpAck", ColumnType.Int64, true, "TCP acknowledgement number (raw, also when ACK is clear)."),
        new("tcpFlags", ColumnType.Int32, true, "TCP flags, 12 bits (NS..FIN = bits 8..0)."),
        new("tcpFlagNs", ColumnType.Boolean, true, "TCP NS."),
        new("tcpFlagCwr", ColumnType.Boolean, true, "TCP CWR."),
        new("tcpFlagEce", ColumnType.Boolean, true, "TCP ECE."),
        new("tcpFlagUrg", ColumnType.Boolean, true, "TCP URG."),
        new("tcpFlagAck", ColumnType.Boolean, true, "TCP ACK."),
        new("tcpFlagPsh", ColumnType.Boolean, true, "TCP PSH."),
        new("tcpFlagRst", ColumnType.Boolean, true, "TCP RST."),
        new("tcpFlagSyn", ColumnType.Boolean, true, "TCP SYN."),
        new("tcpFlagFin", ColumnType.Boolean, true, "TCP FIN."),
        new("tcpWindow", ColumnType.Int32, true, "TCP window (unscaled)."),
        new("udpLength", ColumnType.Int32, true, "UDP length field."),
        new("udpSum", ColumnType.Int32, true, "UDP checksum field."),
        new("icmpType", ColumnType.Int32, true, "ICMP/ICMPv6 type."),
        new("icmpCode", ColumnType.Int32, true, "ICMP/ICMPv6 code."),
        new("payloadLength", ColumnType.Int32, true, "Transport payload bytes as the headers state (null without an IP header)."),
        new("communityId", ColumnType.String, true, "Community ID v1, seed 0 (null without an IP header)."),
        new("tunnel", ColumnType.String, true, "Outermost tunnel: gre, erspan, vxlan, geneve, gtp, ipip, teredo."),
        new("outerSrcIP", ColumnType.String, true, "Source of the outermost IP header (tunnels only)."),
        new("outerDstIP", ColumnType.String, true, "Destination of the outermost IP header (tunnels only)."),
        new("anomaly", ColumnType.String, true, "Why the decode stopped early (truncated, malformed-ipv4, ...)."),
    ];

    /// <summary>The columns in schema order; index = <see cref="PacketColumn"/> value.</summary>
    public static IReadOnlyList<ColumnDefinition> Columns => Definitions;

    /// <summary>Number of columns.</summary>
    public static int Count => Definitions.Length;

    /// <summary>
    /// Integer value of a <see cref="ColumnType.Int64"/>, <see cref="ColumnType.Int32"/> or
    /// <see cref="ColumnType.Timestamp"/> column (timestamps in MICROseconds since the epoch). False when null.
    /// </summary>
    public static bool TryGetInt64(int ordinal, scoped in PacketRow row, out long value)
    {
        ref readonly DecodedPacket p = ref row.Packet;
        bool ip = p.IpVersion != 0;
        (bool has, value) = (PacketColumn)ordinal switch
        {
            PacketColumn.Timestamp => (row.HasTimestamp, Utf8Format.FloorDiv(row.TimestampNanos, 1000)),
            PacketColumn.TimestampNanos => (row.HasTimestamp, row.TimestampNanos),
            PacketColumn.TimestampMillis => (row.HasTimestamp, Utf8Format.FloorDiv(row.TimestampNanos, 1_000_000)),
            PacketColumn.FileOffset => (true, row.FileOffset),
            PacketColumn.FrameNumber => (true, row.FrameNumber),
            PacketColumn.Length => (true, p.WireLength),
            PacketColumn.CapturedLength => (true, p.CapturedLength),
            PacketColumn.LinkType => (true, p.LinkType),
            PacketColumn.Vlan => (p.Vlan >= 0, p.Vlan),
            PacketColumn.IpVersion => (ip, p.IpVersion),
            PacketColumn.IpProto => (ip, p.IpProto),
            PacketColumn.SrcPort => (p.HasPorts, p.SrcPort),
            PacketColumn.DstPort => (p.HasPorts, p.DstPort),
            PacketColumn.Ttl => (ip, p.Ttl),
            PacketColumn.FragmentOffset => (ip, p.FragmentOffset),
            PacketColumn.TcpSeq => (p.HasTcp, p.TcpSeq),
            PacketColumn.TcpAck => (p.HasTcp, p.TcpAck),
            PacketColumn.TcpFlags => (p.HasTcp, p.TcpFlags),
            PacketColumn.TcpWindow => (p.HasTcp, p.TcpWindow),
            PacketColumn.UdpLength => (p.HasUdp, p.UdpLength),
            PacketColumn.UdpSum => (p.HasUdp, p.UdpChecksum),
            PacketColumn.IcmpType => (p.HasIcmp, p.IcmpType),
            PacketColumn.IcmpCode => (p.HasIcmp, p.IcmpCode),
            PacketColumn.PayloadLength => (ip, p.PayloadLength),
            _ => (false, 0L),
        };
        return has;
    }

    /// <summary>Value of a <see cref="ColumnType.Boolean"/> column. False when null (then <paramref name="value"/> is false).</summary>
    public static bool TryGetBoolean(int ordinal, scoped in PacketRow row, out bool value)
    {
        ref readonly DecodedPacket p = ref row.Packet;
        var column = (PacketColumn)ordinal;
        value = false;
        if (column is >= PacketColumn.TcpFlagNs and <= PacketColumn.TcpFlagFin)
        {
            // NS is bit 8, FIN bit 0: the column order runs from the high bit down.
            value = p.HasTcp && (p.TcpFlags & (1 << (PacketColumn.TcpFlagFin - column))) != 0;
            return p.HasTcp;
        }
        switch (column)
        {
            case PacketColumn.IpFlagsDf:
                value = p.DontFragment;
                return p.IpVersion == 4;
            case PacketColumn.IpFlagsMf:
                value = p.MoreFragments;
                return p.IpVersion != 0;
            default:
                return false;
        }
    }

    /// <summary>
    /// Value of a <see cref="ColumnType.String"/> column, or null. Names (protocol, tunnel, anomaly) and the
    /// sensor/file strings are shared instances; addresses and the Community ID allocate a new string.
    /// </summary>
    public static string? GetString(int ordinal, scoped in PacketRow row)
    {
        ref readonly DecodedPacket p = ref row.Packet;
        switch ((PacketColumn)ordinal)
        {
            case PacketColumn.Sensor:
                return row.Sensor;
            case PacketColumn.File:
                return row.File;
            case PacketColumn.Protocol:
                return p.IpVersion != 0 ? ProtocolNames.Of(p.IpProto) : null;
            case PacketColumn.Tunnel:
                return TunnelNames.Of(p.Tunnel);
            case PacketColumn.Anomaly:
                return AnomalyNames.Of(p.Anomaly);
            case PacketColumn.CommunityId:
                return row.CommunityId.IsEmpty ? null : Encoding.ASCII.GetString(row.CommunityId);
            default:
                Span<byte> text = stackalloc byte[Utf8Format.MaxIpLength];
                return FormatUtf8(ordinal, in row, text, out int n) == FieldStatus.Value
                    ? Encoding.ASCII.GetString(text[..n])
                    : null;
        }
    }
}
