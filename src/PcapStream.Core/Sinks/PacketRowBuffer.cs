using PcapStream.Decoding;
using PcapStream.Output;
using PcapStream.Sinks.Parquet;
using C = PcapStream.Output.PacketColumn;

namespace PcapStream.Sinks;

/// <summary>
/// Column buffers for one row group of the <c>packets</c> dataset, laid out by <see cref="PacketColumns"/> (THE
/// column list: names, types and null rules come from there; a drift between that list and what is filled here
/// fails at construction). Rows are added per packet into preallocated columns with no allocation and no text:
/// addresses are dictionary keys by their 16 bytes (formatted once per distinct address and row group), names
/// (sensor, file, protocol, tunnel, anomaly) and the flow segment's Community ID by string reference. One buffer
/// belongs to one thread; it is reused across row groups and files.
/// </summary>
internal sealed class PacketRowBuffer
{
    private readonly RowGroupColumns _columns;
    private readonly NumericColumn<long> _timestamp, _nanos, _millis, _fileOffset, _frameNumber, _tcpSeq, _tcpAck;
    private readonly NumericColumn<int> _length, _capLength, _linkType, _vlan, _ipVersion, _ipProto, _srcPort, _dstPort, _ttl,
        _fragOffset, _tcpFlags, _tcpWindow, _udpLength, _udpSum, _icmpType, _icmpCode, _payloadLength;
    private readonly NumericColumn<byte> _df, _mf;
    private readonly NumericColumn<byte>[] _flagBits;
    private readonly StringColumn _sensor, _file, _srcIp, _dstIp, _protocol, _communityId, _tunnel, _outerSrc, _outerDst, _anomaly;

    /// <param name="capacity">Rows per row group.</param>
    public PacketRowBuffer(int capacity)
    {
        Capacity = capacity;
        RowGroupColumns c = _columns = new RowGroupColumns(PacketColumns.Columns, capacity);
        _timestamp = c.Int64((int)C.Timestamp);
        _nanos = c.Int64((int)C.TimestampNanos);
        _millis = c.Int64((int)C.TimestampMillis);
        _sensor = c.String((int)C.Sensor);
        _file = c.String((int)C.File);
        _fileOffset = c.Int64((int)C.FileOffset);
        _frameNumber = c.Int64((int)C.FrameNumber);
        _length = c.Int32((int)C.Length);
        _capLength = c.Int32((int)C.CapturedLength);
        _linkType = c.Int32((int)C.LinkType);
        _vlan = c.Int32((int)C.Vlan);
        _ipVersion = c.Int32((int)C.IpVersion);
        _srcIp = c.String((int)C.SrcIP);
        _dstIp = c.String((int)C.DstIP);
        _protocol = c.String((int)C.Protocol);
        _ipProto = c.Int32((int)C.IpProto);
        _srcPort = c.Int32((int)C.SrcPort);
        _dstPort = c.Int32((int)C.DstPort);
        _ttl = c.Int32((int)C.Ttl);
        _df = c.Boolean((int)C.IpFlagsDf);
        _mf = c.Boolean((int)C.IpFlagsMf);
        _fragOffset = c.Int32((int)C.FragmentOffset);
        _tcpSeq = c.Int64((int)C.TcpSeq);
        _tcpAck = c.Int64((int)C.TcpAck);
        _tcpFlags = c.Int32((int)C.TcpFlags);
        _flagBits = new NumericColumn<byte>[9];
        for (int b = 0; b < 9; b++)
        {
            _flagBits[b] = c.Boolean((int)C.TcpFlagNs + b);
        }
        _tcpWindow = c.Int32((int)C.TcpWindow);
        _udpLength = c.Int32((int)C.UdpLength);
        _udpSum = c.Int32((int)C.UdpSum);
        _icmpType = c.Int32((int)C.IcmpType);
        _icmpCode = c.Int32((int)C.IcmpCode);
        _payloadLength = c.Int32((int)C.PayloadLength);
        _communityId = c.String((int)C.CommunityId);
        _tunnel = c.String((int)C.Tunnel);
        _outerSrc = c.String((int)C.OuterSrcIP);
        _outerDst = c.String((int)C.OuterDstIP);
        _anomaly = c.String((int)C.Anomaly);
    }

    /// <summary>Rows the buffer holds when full.</summary>
    public int Capacity { get; }

    /// <summary>Rows held now.</summary>
    public int Count { get; private set; }

    /// <summary>True when no more rows fit.</summary>
    public bool IsFull => Count == Capacity;

    /// <summary>
    /// Appends one packet row with the null rules of <see cref="PacketColumns"/> (a field the packet lacks is
    /// null, never 0). The caller flushes when <see cref="IsFull"/>.
    /// </summary>
    public void Add(in DecodedPacket p, long timestampNanos, bool hasTimestamp, string sensor, string file, long fileOffset,
        long frameNumber, string? communityId)
    {
        Count++;
        // timestamp (µs), timestampMillis and the TCP flag bits are derived per row group (WriteRowGroup).
        _nanos.Add(hasTimestamp, timestampNanos);
        _sensor.Add(sensor);
        _file.Add(file);
        _fileOffset.Add(fileOffset);
        _frameNumber.Add(frameNumber);
        _length.Add(p.WireLength);
        _capLength.Add(p.CapturedLength);
        _linkType.Add(p.LinkType);
        _vlan.Add(p.Vlan >= 0, p.Vlan);
        AddIp(p);
        AddTransport(p);
        AddNames(p, communityId);
    }

    // The row is filled by three helpers rather than one method: each gets its own inlining budget, so the
    // ~35 column appends all inline (one large method left most of them as calls).
    private void AddIp(in DecodedPacket p)
    {
        bool ip = p.IpVersion != 0;
        if (ip)
        {
            bool v4 = p.IpVersion == 4;
            _srcIp.AddAddress(p.Src, v4);
            _dstIp.AddAddress(p.Dst, v4);
            _protocol.Add(ProtocolNames.Of(p.IpProto));
        }
        else
        {
            _srcIp.AddNull();
            _dstIp.AddNull();
            _protocol.AddNull();
        }
        _ipVersion.Add(ip, p.IpVersion);
        _ipProto.Add(ip, p.IpProto);
        _ttl.Add(ip, p.Ttl);
        // Don't Fragment exists only in the IPv4 header.
        _df.Add(p.IpVersion == 4, p.DontFragment ? (byte)1 : (byte)0);
        _mf.Add(ip, p.MoreFragments ? (byte)1 : (byte)0);
        _fragOffset.Add(ip, p.FragmentOffset);
        _payloadLength.Add(ip, p.PayloadLength);
    }

    private void AddTransport(in DecodedPacket p)
    {
        _srcPort.Add(p.HasPorts, p.SrcPort);
        _dstPort.Add(p.HasPorts, p.DstPort);
        bool tcp = p.HasTcp;
        int flags = p.TcpFlags;
        _tcpSeq.Add(tcp, p.TcpSeq);
        _tcpAck.Add(tcp, p.TcpAck);
        _tcpFlags.Add(tcp, flags);
        _tcpWindow.Add(tcp, p.TcpWindow);
        _udpLength.Add(p.HasUdp, p.UdpLength);
        _udpSum.Add(p.HasUdp, p.UdpChecksum);
        _icmpType.Add(p.HasIcmp, p.IcmpType);
        _icmpCode.Add(p.HasIcmp, p.IcmpCode);
    }

    private void AddNames(in DecodedPacket p, string? communityId)
    {
        _communityId.Add(communityId);
        _tunnel.Add(TunnelNames.Of(p.Tunnel));
        if (p.Tunnel != TunnelKind.None)
        {
            _outerSrc.AddAddress(p.OuterSrc, p.OuterIpVersion == 4 || (p.OuterIpVersion == 0 && p.OuterSrc.IsIPv4));
            _outerDst.AddAddress(p.OuterDst, p.OuterIpVersion == 4 || (p.OuterIpVersion == 0 && p.OuterDst.IsIPv4));
        }
        else
        {
            _outerSrc.AddNull();
            _outerDst.AddNull();
        }
        _anomaly.Add(AnomalyNames.Of(p.Anomaly));
    }

    /// <summary>Drops the held rows (an abandoned file).</summary>
    public void Clear()
    {
        _columns.Reset();
        Count = 0;
    }

    /// <summary>Encodes the held rows as one row group of <paramref name="writer"/> and empties the buffer.</summary>
    public void WriteRowGroup(ParquetFileWriter writer)
    {
        _timestamp.DeriveFrom(_nanos, new FloorDivide(1000));
        _millis.DeriveFrom(_nanos, new FloorDivide(1_000_000));
        for (int b = 0; b < _flagBits.Length; b++)
        {
            // tcpFlagNs (bit 8) first, tcpFlagFin (bit 0) last.
            _flagBits[b].DeriveFrom(_tcpFlags, new BitOf(8 - b));
        }
        _columns.Write(writer);
        Count = 0;
    }
}
