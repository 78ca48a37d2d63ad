using System.Runtime.CompilerServices;
using Parquet;
using Parquet.Schema;
using PcapStream.Decoding;
using PcapStream.Output;
using C = PcapStream.Output.PacketColumn;

namespace PcapStream.Sinks;

/// <summary>
/// Column buffers for one row group of the <c>packets</c> dataset, laid out by <see cref="PacketColumns"/> (THE
/// column list: names, types and null rules come from there; a drift between that list and what is filled here
/// fails at construction). Rows are added per packet into preallocated typed arrays: no allocation per packet
/// (address strings come from <see cref="AddressTextCache"/>, protocol, anomaly and tunnel names are interned
/// tables, the community ID is the flow segment's, all passed to Parquet.Net as <see cref="ReadOnlyMemory{T}"/>
/// over the shared instance). One buffer belongs to one thread; it is reused across row groups and files.
/// </summary>
internal sealed class PacketRowBuffer
{
    /// <summary>The <c>packets</c> schema, from <see cref="PacketColumns.Columns"/>.</summary>
    public static readonly ParquetSchema Schema = ParquetColumns.SchemaOf(PacketColumns.Columns);

    private readonly RowGroupColumns _columns;
    private readonly DateTime?[] _timestamp;
    private readonly long?[] _nanos, _millis, _tcpSeq, _tcpAck;
    private readonly long[] _fileOffset, _frameNumber;
    private readonly int[] _length, _capLength, _linkType;
    private readonly int?[] _vlan, _ipVersion, _ipProto, _srcPort, _dstPort, _ttl, _fragOffset, _tcpFlags, _tcpWindow,
        _udpLength, _udpSum, _icmpType, _icmpCode, _payloadLength;
    private readonly bool?[] _df, _mf;
    private readonly bool?[][] _flagBits;
    private readonly ReadOnlyMemory<char>?[] _sensor, _file, _srcIp, _dstIp, _protocol, _communityId, _tunnel, _outerSrc,
        _outerDst, _anomaly;

    /// <param name="capacity">Rows per row group.</param>
    public PacketRowBuffer(int capacity)
    {
        Capacity = capacity;
        RowGroupColumns c = _columns = new RowGroupColumns(PacketColumns.Columns, Schema, capacity);
        _timestamp = c.Nullable<DateTime>((int)C.Timestamp);
        _nanos = c.Nullable<long>((int)C.TimestampNanos);
        _millis = c.Nullable<long>((int)C.TimestampMillis);
        _sensor = c.Nullable<ReadOnlyMemory<char>>((int)C.Sensor);
        _file = c.Nullable<ReadOnlyMemory<char>>((int)C.File);
        _fileOffset = c.Values<long>((int)C.FileOffset);
        _frameNumber = c.Values<long>((int)C.FrameNumber);
        _length = c.Values<int>((int)C.Length);
        _capLength = c.Values<int>((int)C.CapturedLength);
        _linkType = c.Values<int>((int)C.LinkType);
        _vlan = c.Nullable<int>((int)C.Vlan);
        _ipVersion = c.Nullable<int>((int)C.IpVersion);
        _srcIp = c.Nullable<ReadOnlyMemory<char>>((int)C.SrcIP);
        _dstIp = c.Nullable<ReadOnlyMemory<char>>((int)C.DstIP);
        _protocol = c.Nullable<ReadOnlyMemory<char>>((int)C.Protocol);
        _ipProto = c.Nullable<int>((int)C.IpProto);
        _srcPort = c.Nullable<int>((int)C.SrcPort);
        _dstPort = c.Nullable<int>((int)C.DstPort);
        _ttl = c.Nullable<int>((int)C.Ttl);
        _df = c.Nullable<bool>((int)C.IpFlagsDf);
        _mf = c.Nullable<bool>((int)C.IpFlagsMf);
        _fragOffset = c.Nullable<int>((int)C.FragmentOffset);
        _tcpSeq = c.Nullable<long>((int)C.TcpSeq);
        _tcpAck = c.Nullable<long>((int)C.TcpAck);
        _tcpFlags = c.Nullable<int>((int)C.TcpFlags);
        _flagBits = new bool?[9][];
        for (int b = 0; b < 9; b++)
        {
            _flagBits[b] = c.Nullable<bool>((int)C.TcpFlagNs + b);
        }
        _tcpWindow = c.Nullable<int>((int)C.TcpWindow);
        _udpLength = c.Nullable<int>((int)C.UdpLength);
        _udpSum = c.Nullable<int>((int)C.UdpSum);
        _icmpType = c.Nullable<int>((int)C.IcmpType);
        _icmpCode = c.Nullable<int>((int)C.IcmpCode);
        _payloadLength = c.Nullable<int>((int)C.PayloadLength);
        _communityId = c.Nullable<ReadOnlyMemory<char>>((int)C.CommunityId);
        _tunnel = c.Nullable<ReadOnlyMemory<char>>((int)C.Tunnel);
        _outerSrc = c.Nullable<ReadOnlyMemory<char>>((int)C.OuterSrcIP);
        _outerDst = c.Nullable<ReadOnlyMemory<char>>((int)C.OuterDstIP);
        _anomaly = c.Nullable<ReadOnlyMemory<char>>((int)C.Anomaly);
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
        long frameNumber, string? communityId, AddressTextCache addresses)
    {
        int i = Count++;
        if (hasTimestamp)
        {
            // DateTime holds 100 ns ticks; the column is microseconds, so the cut loses nothing that is stored.
            _timestamp[i] = DateTime.UnixEpoch.AddTicks(timestampNanos / 100);
            _nanos[i] = timestampNanos;
            _millis[i] = Math.DivRem(timestampNanos, 1_000_000L, out long rem) - (rem < 0 ? 1 : 0);
        }
        else
        {
            _timestamp[i] = null;
            _nanos[i] = null;
            _millis[i] = null;
        }
        _sensor[i] = sensor.AsMemory();
        _file[i] = file.AsMemory();
        _fileOffset[i] = fileOffset;
        _frameNumber[i] = frameNumber;
        _length[i] = p.WireLength;
        _capLength[i] = p.CapturedLength;
        _linkType[i] = p.LinkType;
        _vlan[i] = p.Vlan >= 0 ? p.Vlan : null;
        bool ip = p.IpVersion != 0;
        if (ip)
        {
            _ipVersion[i] = p.IpVersion;
            _srcIp[i] = addresses.Get(p.Src, p.IpVersion == 4).AsMemory();
            _dstIp[i] = addresses.Get(p.Dst, p.IpVersion == 4).AsMemory();
            _protocol[i] = ProtocolNames.Of(p.IpProto).AsMemory();
            _ipProto[i] = p.IpProto;
            _ttl[i] = p.Ttl;
            // Don't Fragment exists only in the IPv4 header.
            _df[i] = p.IpVersion == 4 ? p.DontFragment : null;
            _mf[i] = p.MoreFragments;
            _fragOffset[i] = p.FragmentOffset;
            _payloadLength[i] = p.PayloadLength;
        }
        else
        {
            _ipVersion[i] = null;
            _srcIp[i] = null;
            _dstIp[i] = null;
            _protocol[i] = null;
            _ipProto[i] = null;
            _ttl[i] = null;
            _df[i] = null;
            _mf[i] = null;
            _fragOffset[i] = null;
            _payloadLength[i] = null;
        }
        _srcPort[i] = p.HasPorts ? p.SrcPort : null;
        _dstPort[i] = p.HasPorts ? p.DstPort : null;
        if (p.HasTcp)
        {
            _tcpSeq[i] = p.TcpSeq;
            _tcpAck[i] = p.TcpAck;
            _tcpFlags[i] = p.TcpFlags;
            _tcpWindow[i] = p.TcpWindow;
            for (int b = 0; b < 9; b++)
            {
                // tcpFlagNs (bit 8) first, tcpFlagFin (bit 0) last.
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
        _communityId[i] = Text(communityId);
        bool tunnel = p.Tunnel != TunnelKind.None;
        _tunnel[i] = Text(TunnelNames.Of(p.Tunnel));
        _outerSrc[i] = tunnel ? Text(addresses.Get(p.OuterSrc, p.OuterIpVersion == 4 || (p.OuterIpVersion == 0 && p.OuterSrc.IsIPv4))) : null;
        _outerDst[i] = tunnel ? Text(addresses.Get(p.OuterDst, p.OuterIpVersion == 4 || (p.OuterIpVersion == 0 && p.OuterDst.IsIPv4))) : null;
        _anomaly[i] = Text(AnomalyNames.Of(p.Anomaly));
    }

    // The cast matters: a bare `null` here would convert to an EMPTY ReadOnlyMemory (through its implicit
    // conversion from char[]) and be written as "" instead of null.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ReadOnlyMemory<char>? Text(string? s) => s is null ? (ReadOnlyMemory<char>?)null : s.AsMemory();

    /// <summary>Drops the held rows (an abandoned file).</summary>
    public void Clear() => Count = 0;

    /// <summary>Writes the held rows as one row group and empties the buffer.</summary>
    public async Task WriteRowGroupAsync(ParquetWriter writer, CancellationToken cancel)
    {
        using ParquetRowGroupWriter rg = writer.CreateRowGroup();
        await _columns.WriteAsync(rg, Count, cancel);
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

    /// <summary>
    /// The address's text form as the <c>packets</c> command writes it (<see cref="Utf8Format.TryWriteIp"/>):
    /// dotted quad when <paramref name="asIPv4"/>, else RFC 5952 (so a v4-mapped address inside an IPv6 header
    /// stays IPv6 text; that rare case is not cached).
    /// </summary>
    public string Get(IpAddress16 address, bool asIPv4 = true)
    {
        bool cacheable = asIPv4 || !address.IsIPv4;
        if (cacheable && _text.TryGetValue(address, out string? text))
        {
            return text;
        }
        Span<byte> utf8 = stackalloc byte[Utf8Format.MaxIpLength];
        Utf8Format.TryWriteIp(address, asIPv4 && address.IsIPv4, utf8, out int n);
        text = System.Text.Encoding.ASCII.GetString(utf8[..n]);
        if (cacheable)
        {
            if (_text.Count >= MaxEntries)
            {
                _text.Clear();
            }
            _text.Add(address, text);
        }
        return text;
    }
}
