using System.Text;
using PcapStream.Decoding;

namespace PcapStream.Output;

public sealed partial class PacketColumns
{
    /// <summary>
    /// Text form of a column as UTF-8 (unescaped); see <see cref="IColumnSet{TRow}.FormatUtf8"/>. The
    /// <c>timestamp</c> column prints microseconds (<c>2024-01-02T03:04:05.123456Z</c>), as it is stored.
    /// Allocates nothing.
    /// </summary>
    public static FieldStatus FormatUtf8(int ordinal, scoped in PacketRow row, Span<byte> destination, out int written)
    {
        ref readonly DecodedPacket p = ref row.Packet;
        written = 0;
        var column = (PacketColumn)ordinal;
        switch (column)
        {
            case PacketColumn.Timestamp:
                if (!row.HasTimestamp)
                {
                    return FieldStatus.Null;
                }
                return Status(Utf8Format.TryWriteTimestamp(row.TimestampNanos, 6, destination, out written));
            case PacketColumn.Sensor:
                return Text(row.Sensor, destination, out written);
            case PacketColumn.File:
                return Text(row.File, destination, out written);
            case PacketColumn.SrcIP or PacketColumn.DstIP:
                if (p.IpVersion == 0)
                {
                    return FieldStatus.Null;
                }
                return Status(Utf8Format.TryWriteIp(column == PacketColumn.SrcIP ? p.Src : p.Dst, p.IpVersion == 4,
                    destination, out written));
            case PacketColumn.OuterSrcIP or PacketColumn.OuterDstIP:
                if (p.Tunnel == TunnelKind.None)
                {
                    return FieldStatus.Null;
                }
                IpAddress16 outer = column == PacketColumn.OuterSrcIP ? p.OuterSrc : p.OuterDst;
                bool outerV4 = p.OuterIpVersion == 4 || (p.OuterIpVersion == 0 && outer.IsIPv4);
                return Status(Utf8Format.TryWriteIp(outer, outerV4, destination, out written));
            case PacketColumn.Protocol:
                return p.IpVersion == 0 ? FieldStatus.Null : Text(ProtocolNames.Of(p.IpProto), destination, out written);
            case PacketColumn.Tunnel:
                return Text(TunnelNames.Of(p.Tunnel), destination, out written);
            case PacketColumn.Anomaly:
                return Text(AnomalyNames.Of(p.Anomaly), destination, out written);
            case PacketColumn.CommunityId:
                if (row.CommunityId.IsEmpty)
                {
                    return FieldStatus.Null;
                }
                if (!row.CommunityId.TryCopyTo(destination))
                {
                    return FieldStatus.DestinationTooSmall;
                }
                written = row.CommunityId.Length;
                return FieldStatus.Value;
            case PacketColumn.IpFlagsDf or PacketColumn.IpFlagsMf or (>= PacketColumn.TcpFlagNs and <= PacketColumn.TcpFlagFin):
                return TryGetBoolean(ordinal, in row, out bool flag)
                    ? Status(Utf8Format.TryWrite(flag, destination, out written))
                    : FieldStatus.Null;
            default:
                return TryGetInt64(ordinal, in row, out long value)
                    ? Status(Utf8Format.TryWrite(value, destination, out written))
                    : FieldStatus.Null;
        }
    }

    private static FieldStatus Status(bool ok) => ok ? FieldStatus.Value : FieldStatus.DestinationTooSmall;

    private static FieldStatus Text(string? value, Span<byte> destination, out int written)
    {
        if (value is null)
        {
            written = 0;
            return FieldStatus.Null;
        }
        return Status(Encoding.UTF8.TryGetBytes(value, destination, out written));
    }
}
