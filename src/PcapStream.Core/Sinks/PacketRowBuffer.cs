using PcapStream.Decoding;
using Parquet;
using S = PcapStream.Sinks.PacketSchema;

namespace PcapStream.Sinks;

/// <summary>
/// Column buffers for one row group of the <c>packets</c> dataset. Rows are added per packet into preallocated
/// arrays (no allocation per packet: address strings come from <see cref="AddressTextCache"/>, protocol, anomaly
/// and tunnel names are interned tables, the community ID is the flow segment's). One buffer belongs to one
/// thread; it is reused across row groups and files.
/// </summary>
internal sealed class PacketRowBuffer
{
    private readonly DateTime[] _timestamp;
    private readonly long[] _nanos, _millis, _fileOffset, _frameNumber;
    private readonly int[] _length, _capLength, _linkType;
    private readonly int?[] _vlan, _ipVersion, _ipProto, _srcPort, _dstPort, _ttl, _fragOffset, _tcpFlags, _tcpWindow,
        _udpLength, _udpSum, _icmpType, _icmpCode, _payloadLength;
    private readonly bool?[] _df, _mf;
    private readonly bool?[][] _flagBits;
    private readonly long?[] _tcpSeq, _tcpAck;
    private readonly string?[] _sensor, _file, _srcIp, _dstIp, _protocol, _communityId, _tunnel, _outerSrc, _outerDst, _anomaly;

    /// <param name="capacity">Rows per row group.</param>
    public PacketRowBuffer(int capacity)
    {
        Capacity = capacity;
        _timestamp = new DateTime[capacity];
        _nanos = new long[capacity];
        _millis = new long[capacity];
        _fileOffset = new long[capacity];
        _frameNumber = new long[capacity];
        _length = new int[capacity];
        _capLength = new int[capacity];
        _linkType = new int[capacity];
        _vlan = new int?[capacity];
        _ipVersion = new int?[capacity];
        _ipProto = new int?[capacity];
        _srcPort = new int?[capacity];
        _dstPort = new int?[capacity];
        _ttl = new int?[capacity];
        _fragOffset = new int?[capacity];
        _tcpFlags = new int?[capacity];
        _tcpWindow = new int?[capacity];
        _udpLength = new int?[capacity];
        _udpSum = new int?[capacity];
        _icmpType = new int?[capacity];
        _icmpCode = new int?[capacity];
        _payloadLength = new int?[capacity];
        _df = new bool?[capacity];
        _mf = new bool?[capacity];
        _flagBits = new bool?[9][];
        for (int i = 0; i < 9; i++)
        {
            _flagBits[i] = new bool?[capacity];
        }
        _tcpSeq = new long?[capacity];
        _tcpAck = new long?[capacity];
        _sensor = new string?[capacity];
        _file = new string?[capacity];
        _srcIp = new string?[capacity];
        _dstIp = new string?[capacity];
        _protocol = new string?[capacity];
        _communityId = new string?[capacity];
        _tunnel = new string?[capacity];
        _outerSrc = new string?[capacity];
        _outerDst = new string?[capacity];
        _anomaly = new string?[capacity];
    }

    /// <summary>Rows the buffer holds when full.</summary>
    public int Capacity { get; }

    /// <summary>Rows held now.</summary>
    public int Count { get; private set; }

    /// <summary>True when no more rows fit.</summary>
    public bool IsFull => Count == Capacity;

    /// <summary>Appends one packet row. The caller flushes when <see cref="IsFull"/>.</summary>
    public void Add(in DecodedPacket p, long timestampNanos, string sensor, string file, long fileOffset, long frameNumber,
        string? communityId, AddressTextCache addresses)
    {
        int i = Count++;
        // DateTime holds 100 ns ticks; the column is microseconds, so the cut loses nothing that is stored.
        _timestamp[i] = DateTime.UnixEpoch.AddTicks(timestampNanos / 100);
        _nanos[i] = timestampNanos;
        _millis[i] = Math.DivRem(timestampNanos, 1_000_000L, out long rem) - (rem < 0 ? 1 : 0);
        _sensor[i] = sensor;
        _file[i] = file;
        _fileOffset[i] = fileOffset;
        _frameNumber[i] = frameNumber;
        _length[i] = p.WireLength;
        _capLength[i] = p.CapturedLength;
        _linkType[i] = p.LinkType;
        _vlan[i] = p.Vlan >= 0 ? p.Vlan : null;
        bool ip = p.IpVersion != 0;
        _ipVersion[i] = ip ? p.IpVersion : null;
        _srcIp[i] = ip ? addresses.Get(p.Src) : null;
        _dstIp[i] = ip ? addresses.Get(p.Dst) : null;
        _protocol[i] = ip ? ProtocolNames.Of(p.IpProto) : null;
        _ipProto[i] = ip ? p.IpProto : null;
        _srcPort[i] = p.HasPorts ? p.SrcPort : null;
        _dstPort[i] = p.HasPorts ? p.DstPort : null;
        _ttl[i] = ip ? p.Ttl : null;
        _df[i] = ip ? p.DontFragment : null;
        _mf[i] = ip ? p.MoreFragments : null;
        _fragOffset[i] = ip ? p.FragmentOffset : null;
        if (p.HasTcp)
        {
            _tcpSeq[i] = p.TcpSeq;
            _tcpAck[i] = p.TcpAck;
            _tcpFlags[i] = p.TcpFlags;
            _tcpWindow[i] = p.TcpWindow;
            for (int b = 0; b < 9; b++)
            {
                _flagBits[b][i] = (p.TcpFlags & (0x100 >> b)) != 0;
            }
        }
        else
        {
            _tcpSeq[i] = null;
            _tcpAck[i] = null;
            _tcpFlags[i] = null;
            _tcpWindow[i] = null;
            for (int b = 0; b < 9; b++)
            {
                _flagBits[b][i] = null;
            }
        }
        _udpLength[i] = p.HasUdp ? p.UdpLength : null;
        _udpSum[i] = p.HasUdp ? p.UdpChecksum : null;
        _icmpType[i] = p.HasIcmp ? p.IcmpType : null;
        _icmpCode[i] = p.HasIcmp ? p.IcmpCode : null;
        _payloadLength[i] = ip ? p.PayloadLength : null;
        _communityId[i] = communityId;
        bool tunnel = p.Tunnel != TunnelKind.None;
        _tunnel[i] = TunnelNames.Of(p.Tunnel);
        _outerSrc[i] = tunnel ? addresses.Get(p.OuterSrc) : null;
        _outerDst[i] = tunnel ? addresses.Get(p.OuterDst) : null;
        _anomaly[i] = AnomalyNames.Of(p.Anomaly);
    }

    /// <summary>Drops the held rows (an abandoned file).</summary>
    public void Clear() => Count = 0;

    /// <summary>Writes the held rows as one row group and empties the buffer.</summary>
    public async Task WriteRowGroupAsync(ParquetWriter writer, CancellationToken cancel)
    {
        int n = Count;
        using ParquetRowGroupWriter rg = writer.CreateRowGroup();
        await rg.WriteAsync<DateTime>(S.Timestamp, _timestamp.AsMemory(0, n), null, null, cancel);
        await rg.WriteAsync<long>(S.TimestampNanos, _nanos.AsMemory(0, n), null, null, cancel);
        await rg.WriteAsync<long>(S.TimestampMillis, _millis.AsMemory(0, n), null, null, cancel);
        await rg.WriteAsync(S.Sensor, new ArraySegment<string?>(_sensor, 0, n)!, null);
        await rg.WriteAsync(S.File, new ArraySegment<string?>(_file, 0, n)!, null);
        await rg.WriteAsync<long>(S.FileOffset, _fileOffset.AsMemory(0, n), null, null, cancel);
        await rg.WriteAsync<long>(S.FrameNumber, _frameNumber.AsMemory(0, n), null, null, cancel);
        await rg.WriteAsync<int>(S.Length, _length.AsMemory(0, n), null, null, cancel);
        await rg.WriteAsync<int>(S.CapturedLength, _capLength.AsMemory(0, n), null, null, cancel);
        await rg.WriteAsync<int>(S.LinkType, _linkType.AsMemory(0, n), null, null, cancel);
        await rg.WriteAsync<int>(S.Vlan, _vlan.AsMemory(0, n), null, null, cancel);
        await rg.WriteAsync<int>(S.IpVersion, _ipVersion.AsMemory(0, n), null, null, cancel);
        await rg.WriteAsync(S.SrcIP, new ArraySegment<string?>(_srcIp, 0, n)!, null);
        await rg.WriteAsync(S.DstIP, new ArraySegment<string?>(_dstIp, 0, n)!, null);
        await rg.WriteAsync(S.Protocol, new ArraySegment<string?>(_protocol, 0, n)!, null);
        await rg.WriteAsync<int>(S.IpProto, _ipProto.AsMemory(0, n), null, null, cancel);
        await rg.WriteAsync<int>(S.SrcPort, _srcPort.AsMemory(0, n), null, null, cancel);
        await rg.WriteAsync<int>(S.DstPort, _dstPort.AsMemory(0, n), null, null, cancel);
        await rg.WriteAsync<int>(S.Ttl, _ttl.AsMemory(0, n), null, null, cancel);
        await rg.WriteAsync<bool>(S.IpFlagsDf, _df.AsMemory(0, n), null, null, cancel);
        await rg.WriteAsync<bool>(S.IpFlagsMf, _mf.AsMemory(0, n), null, null, cancel);
        await rg.WriteAsync<int>(S.FragmentOffset, _fragOffset.AsMemory(0, n), null, null, cancel);
        await rg.WriteAsync<long>(S.TcpSeq, _tcpSeq.AsMemory(0, n), null, null, cancel);
        await rg.WriteAsync<long>(S.TcpAck, _tcpAck.AsMemory(0, n), null, null, cancel);
        await rg.WriteAsync<int>(S.TcpFlags, _tcpFlags.AsMemory(0, n), null, null, cancel);
        for (int b = 0; b < 9; b++)
        {
            await rg.WriteAsync<bool>(S.TcpFlagBits[b], _flagBits[b].AsMemory(0, n), null, null, cancel);
        }
        await rg.WriteAsync<int>(S.TcpWindow, _tcpWindow.AsMemory(0, n), null, null, cancel);
        await rg.WriteAsync<int>(S.UdpLength, _udpLength.AsMemory(0, n), null, null, cancel);
        await rg.WriteAsync<int>(S.UdpSum, _udpSum.AsMemory(0, n), null, null, cancel);
        await rg.WriteAsync<int>(S.IcmpType, _icmpType.AsMemory(0, n), null, null, cancel);
        await rg.WriteAsync<int>(S.IcmpCode, _icmpCode.AsMemory(0, n), null, null, cancel);
        await rg.WriteAsync<int>(S.PayloadLength, _payloadLength.AsMemory(0, n), null, null, cancel);
        await rg.WriteAsync(S.CommunityId, new ArraySegment<string?>(_communityId, 0, n)!, null);
        await rg.WriteAsync(S.Tunnel, new ArraySegment<string?>(_tunnel, 0, n)!, null);
        await rg.WriteAsync(S.OuterSrcIP, new ArraySegment<string?>(_outerSrc, 0, n)!, null);
        await rg.WriteAsync(S.OuterDstIP, new ArraySegment<string?>(_outerDst, 0, n)!, null);
        await rg.WriteAsync(S.Anomaly, new ArraySegment<string?>(_anomaly, 0, n)!, null);
        rg.CompleteValidate();
        Count = 0;
    }
}

/// <summary>
/// Text of addresses seen recently, so a flow's thousands of packets share two strings instead of allocating
/// two per packet. Bounded: cleared when it grows past <see cref="MaxEntries"/> (a scan of random sources would
/// otherwise grow it without limit).
/// </summary>
internal sealed class AddressTextCache
{
    private const int MaxEntries = 1 << 18;
    private readonly Dictionary<IpAddress16, string> _text = new(4096);

    /// <summary>The address's text form (dotted quad or RFC 5952).</summary>
    public string Get(IpAddress16 address)
    {
        if (_text.TryGetValue(address, out string? text))
        {
            return text;
        }
        if (_text.Count >= MaxEntries)
        {
            _text.Clear();
        }
        text = address.ToString();
        _text.Add(address, text);
        return text;
    }
}
