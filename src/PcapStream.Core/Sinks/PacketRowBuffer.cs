using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using PcapStream.Decoding;
using PcapStream.Flows;
using PcapStream.Output;
using PcapStream.Sinks.Parquet;
using C = PcapStream.Output.PacketColumn;

namespace PcapStream.Sinks;

/// <summary>
/// Column buffers for one row group of the <c>packets</c> dataset, laid out by <see cref="PacketColumns"/> (THE
/// column list: names, types and null rules come from there; a drift between that list and what is filled here
/// fails at construction). Rows are added per packet into preallocated columns with no allocation and no text:
/// addresses are dictionary keys by their 16 bytes (formatted once per distinct address and row group), names
/// (sensor, file, tunnel, anomaly) by string reference, protocol by number, the Community ID by flow segment number.
/// Each value is one store at its row; null rules come from a per-row byte of present layers, applied when the row
/// group is written (definition levels derived once per null rule and shared by its columns, then each column's
/// present values moved to the front). One buffer
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
    private readonly ushort[] _layers;
    // The definition levels of each null rule (a mask of layers), computed once per row group and shared by the
    // nullable numeric columns of that rule (NumericColumn.ShareLevels): one pass per rule, not per column, and
    // the writer encodes each page's levels once per rule.
    private readonly (int Mask, byte[] Levels)[] _rules;
    private readonly NumericColumn<long>[] _longsByRule;
    private readonly NumericColumn<int>[] _intsByRule;
    private readonly NumericColumn<byte>[] _bytesByRule;
    private FileFlowBuilder? _flows; // the file whose rows are buffered (segment numbers are per file)
    // The srcIP/dstIP dictionary indices of each flow segment's two endpoints in this row group, by segment number:
    // the packets of a segment share their addresses, so a packet costs one array entry instead of two address
    // table probes (each a likely cache miss). An entry holds both addresses and is used only when the packet's
    // are exactly them (either direction); entries of older stamps (row groups) are absent.
    private SegmentAddresses[] _segmentAddresses = new SegmentAddresses[1024];
    private int _addressStamp = 1;

    private struct SegmentAddresses
    {
        public IpAddress16 A, B;
        public int SrcA, DstB, SrcB, DstA; // A as source and B as destination (the first packet), and the reverse (-1 until seen)
        public int Stamp;
        public bool V4; // the header's version: an address's text depends on it (v4-mapped ones in IPv6 headers)
    }
    // The columns' row arrays (RowValues / RowIndices), held here so a store is one load + one write.
    private readonly int[] _capLengthRows, _dstPortRows, _fragOffsetRows, _icmpCodeRows, _icmpTypeRows, _ipProtoRows,
        _ipVersionRows, _lengthRows, _linkTypeRows, _payloadLengthRows, _srcPortRows, _tcpFlagsRows, _tcpWindowRows,
        _ttlRows, _udpLengthRows, _udpSumRows, _vlanRows, _anomalyRows, _communityIdRows, _dstIpRows, _fileRows,
        _outerDstRows, _outerSrcRows, _protocolRows, _sensorRows, _srcIpRows, _tunnelRows;
    private readonly byte[] _dfRows, _mfRows;
    private readonly long[] _fileOffsetRows, _frameNumberRows, _nanosRows, _tcpAckRows, _tcpSeqRows;
    private readonly StringColumn _sensor, _file, _srcIp, _dstIp, _protocol, _communityId, _tunnel, _outerSrc, _outerDst, _anomaly;

    /// <param name="capacity">Rows per row group.</param>
    public PacketRowBuffer(int capacity)
    {
        Capacity = capacity;
        _layers = new ushort[capacity];
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
        _rules = [(HasTime, []), (HasVlan, []), (HasIp, []), (HasIp | HasIPv4, []), (HasPorts, []), (HasTcp, []), (HasUdp, []), (HasIcmp, [])];
        for (int k = 0; k < _rules.Length; k++)
        {
            _rules[k].Levels = new byte[capacity];
        }
        _longsByRule = [_nanos, _tcpSeq, _tcpAck];
        _intsByRule = [_vlan, _ipVersion, _ipProto, _ttl, _fragOffset, _payloadLength, _srcPort, _dstPort, _tcpFlags, _tcpWindow,
            _udpLength, _udpSum, _icmpType, _icmpCode];
        _bytesByRule = [_df, _mf];
        Share(HasTime, _nanos, _timestamp, _millis); // µs and ms are derived from ns: same rows
        Share(HasVlan, _vlan);
        Share(HasIp, _ipVersion, _ipProto, _ttl, _fragOffset, _payloadLength);
        Share(HasIp, _mf);
        Share(HasIp | HasIPv4, _df); // Don't Fragment exists only in the IPv4 header.
        Share(HasPorts, _srcPort, _dstPort);
        Share(HasTcp, _tcpSeq, _tcpAck);
        Share(HasTcp, _tcpFlags, _tcpWindow);
        Share(HasTcp, _flagBits); // derived from tcpFlags
        Share(HasUdp, _udpLength, _udpSum);
        Share(HasIcmp, _icmpType, _icmpCode);
        _capLengthRows = _capLength.RowValues;
        _dfRows = _df.RowValues;
        _dstPortRows = _dstPort.RowValues;
        _fileOffsetRows = _fileOffset.RowValues;
        _fragOffsetRows = _fragOffset.RowValues;
        _frameNumberRows = _frameNumber.RowValues;
        _icmpCodeRows = _icmpCode.RowValues;
        _icmpTypeRows = _icmpType.RowValues;
        _ipProtoRows = _ipProto.RowValues;
        _ipVersionRows = _ipVersion.RowValues;
        _lengthRows = _length.RowValues;
        _linkTypeRows = _linkType.RowValues;
        _mfRows = _mf.RowValues;
        _nanosRows = _nanos.RowValues;
        _payloadLengthRows = _payloadLength.RowValues;
        _srcPortRows = _srcPort.RowValues;
        _tcpAckRows = _tcpAck.RowValues;
        _tcpFlagsRows = _tcpFlags.RowValues;
        _tcpSeqRows = _tcpSeq.RowValues;
        _tcpWindowRows = _tcpWindow.RowValues;
        _ttlRows = _ttl.RowValues;
        _udpLengthRows = _udpLength.RowValues;
        _udpSumRows = _udpSum.RowValues;
        _vlanRows = _vlan.RowValues;
        _anomalyRows = _anomaly.RowIndices;
        _communityIdRows = _communityId.RowIndices;
        _dstIpRows = _dstIp.RowIndices;
        _fileRows = _file.RowIndices;
        _outerDstRows = _outerDst.RowIndices;
        _outerSrcRows = _outerSrc.RowIndices;
        _protocolRows = _protocol.RowIndices;
        _sensorRows = _sensor.RowIndices;
        _srcIpRows = _srcIp.RowIndices;
        _tunnelRows = _tunnel.RowIndices;
    }

    // The levels array of a null rule (one per distinct mask, shared by the columns with that rule; filled at Seal).
    private byte[] RuleLevels(int mask)
    {
        foreach ((int m, byte[] levels) in _rules)
        {
            if (m == mask)
            {
                return levels;
            }
        }
        throw new InvalidOperationException($"no null rule for layers {mask}.");
    }

    private void Share<T>(int mask, params ReadOnlySpan<NumericColumn<T>> columns)
        where T : unmanaged, System.Numerics.INumber<T>, System.Numerics.IMinMaxValue<T>
    {
        foreach (NumericColumn<T> c in columns)
        {
            c.ShareLevels(RuleLevels(mask));
        }
    }

    /// <summary>Rows the buffer holds when full.</summary>
    public int Capacity { get; }

    /// <summary>Rows held now.</summary>
    public int Count { get; private set; }


    /// <summary>True when no more rows fit.</summary>
    public bool IsFull => Count == Capacity;

    // Which optional layers a row has: the null rule of each column group, one byte per row instead of a
    // definition level per nullable column. Levels and the dense value layout are derived per row group (Seal).
    private const int HasTime = 1, HasVlan = 2, HasIp = 4, HasIPv4 = 8, HasPorts = 16, HasTcp = 32, HasUdp = 64, HasIcmp = 128;

    /// <summary>
    /// Appends one packet row with the null rules of <see cref="PacketColumns"/> (a field the packet lacks is
    /// null, never 0). <paramref name="segment"/> is the packet's flow segment number in its file
    /// (from <c>FileFlowBuilder.Add</c>, -1 for none) and <paramref name="flows"/> that file's builder: the row
    /// keeps the segment number, and the segment's Community ID is looked up once per segment and row group when
    /// the row group is written (a row group holds one file's rows). The caller flushes when <see cref="IsFull"/>.
    /// </summary>
    public void Add(in DecodedPacket p, long timestampNanos, bool hasTimestamp, string sensor, string file, long fileOffset,
        long frameNumber, int segment, FileFlowBuilder? flows)
    {
        int r = Count;
        if (!ReferenceEquals(flows, _flows))
        {
            UseFlows(flows);
        }
        if ((uint)r >= (uint)Capacity)
        {
            ThrowFull();
        }
        Count = r + 1;
        // Every value goes to its column's row r: one store each, absent layers included (their values are
        // dropped when the row group is sealed). Capacity is every array's length, checked once above.
        Set(_nanosRows, r, timestampNanos);
        Set(_fileOffsetRows, r, fileOffset);
        Set(_frameNumberRows, r, frameNumber);
        Set(_lengthRows, r, p.WireLength);
        Set(_capLengthRows, r, p.CapturedLength);
        Set(_linkTypeRows, r, p.LinkType);
        Set(_vlanRows, r, p.Vlan);
        Set(_sensorRows, r, _sensor.IndexOfString(sensor));
        Set(_fileRows, r, _file.IndexOfString(file));
        int flowSegment = flows is null ? -1 : segment; // segment numbers mean something only with their builder
        int layers = (hasTimestamp ? HasTime : 0) | (p.Vlan >= 0 ? HasVlan : 0);
        layers |= AddIp(p, r, flowSegment) | AddTransport(p, r);
        Set(_layers, r, (ushort)layers);
        Set(_communityIdRows, r, flowSegment);
        AddNames(p, r);
    }

    // The row is filled by three helpers rather than one method: each gets its own inlining budget, so the
    // column stores all inline (one large method left many as calls).
    private int AddIp(in DecodedPacket p, int r, int segment)
    {
        int layers = 0, src = -1, dst = -1, protocol = -1;
        if (p.IpVersion != 0)
        {
            bool v4 = p.IpVersion == 4;
            layers = v4 ? HasIp | HasIPv4 : HasIp;
            SegmentAddresses[] cache = _segmentAddresses;
            if ((uint)segment < (uint)cache.Length && cache[segment].Stamp == _addressStamp && cache[segment].V4 == v4)
            {
                ref SegmentAddresses e = ref cache[segment];
                if (p.Src == e.A && p.Dst == e.B)
                {
                    src = e.SrcA;
                    dst = e.DstB;
                }
                else if (p.Src == e.B && p.Dst == e.A)
                {
                    if (e.SrcB < 0)
                    {
                        // The first packet in this direction: found (or added) like any packet's, then kept.
                        (e.SrcB, e.DstA) = AddressIndices(p, v4, -1);
                    }
                    src = e.SrcB;
                    dst = e.DstA;
                }
                else
                {
                    (src, dst) = AddressIndices(p, v4, -1);
                }
            }
            else
            {
                (src, dst) = AddressIndices(p, v4, segment);
            }
            protocol = _protocol.FindKey(p.IpProto);
            if (protocol < 0)
            {
                protocol = _protocol.AddKey(p.IpProto, ProtocolNames.Of(p.IpProto));
            }
        }
        Set(_srcIpRows, r, src);
        Set(_dstIpRows, r, dst);
        Set(_protocolRows, r, protocol);
        Set(_ipVersionRows, r, p.IpVersion);
        Set(_ipProtoRows, r, p.IpProto);
        Set(_ttlRows, r, p.Ttl);
        Set(_dfRows, r, p.DontFragment ? (byte)1 : (byte)0);
        Set(_mfRows, r, p.MoreFragments ? (byte)1 : (byte)0);
        Set(_fragOffsetRows, r, p.FragmentOffset);
        Set(_payloadLengthRows, r, p.PayloadLength);
        return layers;
    }

    // The address columns' indices through their address tables; with a segment number (>= 0), also the
    // segment's cache entry (both directions), unless an address is v4-mapped inside an IPv6 header (its text is
    // not keyed by address, see StringColumn.IndexOfAddress).
    [MethodImpl(MethodImplOptions.NoInlining)]
    private (int Src, int Dst) AddressIndices(in DecodedPacket p, bool v4, int segment)
    {
        int src = _srcIp.IndexOfAddress(p.Src, v4);
        int dst = _dstIp.IndexOfAddress(p.Dst, v4);
        if (segment >= 0 && (v4 || (!p.Src.IsIPv4 && !p.Dst.IsIPv4)))
        {
            if (segment >= _segmentAddresses.Length)
            {
                Array.Resize(ref _segmentAddresses, (int)Math.Min(Array.MaxLength, Math.Max(segment + 1L, _segmentAddresses.Length * 2L)));
            }
            _segmentAddresses[segment] = new SegmentAddresses
            {
                A = p.Src,
                B = p.Dst,
                SrcA = src,
                DstB = dst,
                SrcB = -1, // until a packet goes the other way (no entry is added for a direction not seen)
                DstA = -1,
                Stamp = _addressStamp,
                V4 = v4,
            };
        }
        return (src, dst);
    }

    // Forgets the segment address cache (the dictionaries' indices are per row group).
    private void NextAddressStamp()
    {
        if (++_addressStamp == 0)
        {
            Array.Clear(_segmentAddresses); // wrapped: entries of stamp 0 would look current
            _addressStamp = 1;
        }
    }

    private int AddTransport(in DecodedPacket p, int r)
    {
        Set(_srcPortRows, r, p.SrcPort);
        Set(_dstPortRows, r, p.DstPort);
        Set(_tcpSeqRows, r, p.TcpSeq);
        Set(_tcpAckRows, r, p.TcpAck);
        Set(_tcpFlagsRows, r, p.TcpFlags);
        Set(_tcpWindowRows, r, p.TcpWindow);
        Set(_udpLengthRows, r, p.UdpLength);
        Set(_udpSumRows, r, p.UdpChecksum);
        Set(_icmpTypeRows, r, p.IcmpType);
        Set(_icmpCodeRows, r, p.IcmpCode);
        return (p.HasPorts ? HasPorts : 0) | (p.HasTcp ? HasTcp : 0) | (p.HasUdp ? HasUdp : 0) | (p.HasIcmp ? HasIcmp : 0);
    }

    // The tunnel, outer address and anomaly columns are null in nearly every row: they are stored only from the
    // row group's first packet with a tunnel or an anomaly on (the rows before it are filled with nulls then), or
    // filled with nulls once when the row group is sealed.
    private bool _namesStored;

    // Inlined: the common row (no names to store) costs two compares; the rest is its own call, so its frame (the
    // address lookups) is not set up for every row.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void AddNames(in DecodedPacket p, int r)
    {
        if (_namesStored || p.Tunnel != TunnelKind.None || p.Anomaly != Anomaly.None)
        {
            StoreNames(p, r);
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void StoreNames(in DecodedPacket p, int r)
    {
        if (!_namesStored)
        {
            FillNullNames(r);
            _namesStored = true;
        }
        int tunnel = -1, outerSrc = -1, outerDst = -1;
        if (p.Tunnel != TunnelKind.None)
        {
            tunnel = _tunnel.IndexOfString(TunnelNames.Of(p.Tunnel));
            outerSrc = _outerSrc.IndexOfAddress(p.OuterSrc, p.OuterIpVersion == 4 || (p.OuterIpVersion == 0 && p.OuterSrc.IsIPv4));
            outerDst = _outerDst.IndexOfAddress(p.OuterDst, p.OuterIpVersion == 4 || (p.OuterIpVersion == 0 && p.OuterDst.IsIPv4));
        }
        Set(_tunnelRows, r, tunnel);
        Set(_outerSrcRows, r, outerSrc);
        Set(_outerDstRows, r, outerDst);
        Set(_anomalyRows, r, p.Anomaly == Anomaly.None ? -1 : _anomaly.IndexOfString(AnomalyNames.Of(p.Anomaly)));
    }

    // Null names for rows [0, rows) (before the first stored one).
    private void FillNullNames(int rows)
    {
        _tunnelRows.AsSpan(0, rows).Fill(-1);
        _outerSrcRows.AsSpan(0, rows).Fill(-1);
        _outerDstRows.AsSpan(0, rows).Fill(-1);
        _anomalyRows.AsSpan(0, rows).Fill(-1);
    }

    // Stores without a bounds check: every row array is allocated with Capacity elements (the column buffers'
    // RowValues/RowIndices and _layers), and Add checked r < Capacity.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Set<T>(T[] array, int r, T value) => Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(array), r) = value;

    private void UseFlows(FileFlowBuilder? flows)
    {
        if (Count > 0 && _flows is not null)
        {
            throw new InvalidOperationException("a row group holds the rows of one file: write it before adding another file's packets.");
        }
        _flows = flows;
    }

    // The communityId column holds segment numbers while filling; each becomes the dictionary index of its
    // segment's Community ID, found by segment number (the ID's text is added once per segment and row group).
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void ResolveCommunityIds()
    {
        Span<int> rows = _communityIdRows.AsSpan(0, Count);
        if (_flows is not null)
        {
            _flows.ComputeCommunityIds(rows); // the segments new to the builder, hashed in batches
        }
        for (int i = 0; i < rows.Length; i++)
        {
            int segment = rows[i];
            if (segment >= 0)
            {
                int index = _communityId.FindKey(segment);
                rows[i] = index >= 0 ? index : _communityId.AddKey(segment, _flows!.CommunityIdOf(segment), dedupe: false);
            }
        }
    }

    [DoesNotReturn]
    private static void ThrowFull() => throw new InvalidOperationException("the row buffer is full: write the row group first.");

    // Turns the row-indexed fill into the columns' dense values and definition levels.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Seal()
    {
        int rows = Count;
        ResolveCommunityIds();
        if (!_namesStored)
        {
            FillNullNames(rows);
        }
        ReadOnlySpan<ushort> layers = _layers.AsSpan(0, rows);
        foreach ((int mask, byte[] levels) in _rules)
        {
            LevelsOf(layers, mask, levels);
        }
        foreach (NumericColumn<long> c in _longsByRule)
        {
            c.SealLevels(rows);
        }
        foreach (NumericColumn<int> c in _intsByRule)
        {
            c.SealLevels(rows);
        }
        foreach (NumericColumn<byte> c in _bytesByRule)
        {
            c.SealLevels(rows);
        }
        _fileOffset.SealRows(rows);
        _frameNumber.SealRows(rows);
        _length.SealRows(rows);
        _capLength.SealRows(rows);
        _linkType.SealRows(rows);
        foreach (StringColumn s in (ReadOnlySpan<StringColumn>)[_sensor, _file, _srcIp, _dstIp, _protocol, _communityId, _tunnel, _outerSrc, _outerDst, _anomaly])
        {
            s.SealRows(rows);
        }
    }

    // levels[i] = 1 when layers[i] has every bit of mask, else 0; 16 rows at a time.
    private static void LevelsOf(ReadOnlySpan<ushort> layers, int mask, Span<byte> levels)
    {
        int i = 0;
        if (Vector128.IsHardwareAccelerated)
        {
            Vector128<ushort> m = Vector128.Create((ushort)mask);
            ref ushort l = ref MemoryMarshal.GetReference(layers);
            ref byte o = ref MemoryMarshal.GetReference(levels);
            for (; i + 16 <= layers.Length; i += 16)
            {
                Vector128<ushort> a = Vector128.Equals(Vector128.LoadUnsafe(ref l, (nuint)i) & m, m);
                Vector128<ushort> b = Vector128.Equals(Vector128.LoadUnsafe(ref l, (nuint)(i + 8)) & m, m);
                (Vector128.Narrow(a, b) & Vector128<byte>.One).StoreUnsafe(ref o, (nuint)i);
            }
        }
        for (; i < layers.Length; i++)
        {
            levels[i] = (layers[i] & mask) == mask ? (byte)1 : (byte)0;
        }
    }

    /// <summary>Drops the held rows (an abandoned file).</summary>
    public void Clear()
    {
        _columns.Reset();
        Count = 0;
        _flows = null;
        _namesStored = false;
        NextAddressStamp();
    }

    /// <summary>Encodes the held rows as one row group of <paramref name="writer"/> and empties the buffer.</summary>
    public void WriteRowGroup(ParquetFileWriter writer)
    {
        Seal();
        _timestamp.DeriveFrom(_nanos, default(FloorDivide1000));
        _millis.DeriveFrom(_nanos, default(FloorDivide1000000));
        for (int b = 0; b < _flagBits.Length; b++)
        {
            // tcpFlagNs (bit 8) first, tcpFlagFin (bit 0) last.
            _flagBits[b].DeriveFrom(_tcpFlags, new BitOf(8 - b));
        }
        _columns.Write(writer);
        Count = 0;
        _flows = null;
        _namesStored = false;
        NextAddressStamp();
    }
}
