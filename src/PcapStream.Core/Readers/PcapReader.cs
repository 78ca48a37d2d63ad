using System.Buffers.Binary;

namespace PcapStream.Readers;

/// <summary>
/// Classic pcap reader: all four magics (little/big-endian, micro/nanosecond). Records are returned as spans into
/// one reused buffer; nothing is allocated per record. Obtain one through <see cref="CaptureReader.Open(string)"/>.
/// </summary>
/// <remarks>
/// Rules, following libpcap (<c>sf-pcap.c</c>) and Wireshark's wiretap so that the same files are accepted:
/// <list type="bullet">
/// <item>major version must be 2 (1.x is rejected as libpcap does); versions 2.0-2.2, and 2.3 when caplen &gt; len,
/// have the two record lengths swapped and are swapped back.</item>
/// <item>link-type field: low 16 bits are the LINKTYPE_ value, bits 26-31 describe the FCS and are ignored;
/// bits 16-25 are reserved and must be zero (libpcap 1.10 rejects such a file, Wireshark refuses it too), so a
/// non-zero reserved field is a <see cref="CaptureFormatException"/>.</item>
/// <item>caplen may exceed the header snaplen (libpcap keeps such records) and may exceed len (not checked by
/// libpcap either); caplen above max(snaplen, 262144) is an impossible record length (libpcap's rule), capped at
/// 256 MiB whatever the header says.</item>
/// </list>
/// </remarks>
public sealed class PcapReader : CaptureReader
{
    /// <summary>Microsecond magic as the writer meant it.</summary>
    public const uint MagicMicros = 0xa1b2c3d4;

    /// <summary>Nanosecond magic as the writer meant it.</summary>
    public const uint MagicNanos = 0xa1b23c4d;

    /// <summary>Size of the file header in bytes.</summary>
    public const int FileHeaderLength = 24;

    /// <summary>Size of each record header in bytes.</summary>
    public const int RecordHeaderLength = 16;

    /// <summary>libpcap's MAXIMUM_SNAPLEN: the caplen every record may have whatever the header snaplen.</summary>
    public const int StandardMaxCaptureLength = 262144;

    /// <summary>Hard cap on one record, whatever the header claims (bounds the buffer).</summary>
    public const int AbsoluteMaxCaptureLength = 256 << 20;

    private readonly CaptureBuffer _buf;
    private readonly string _path;
    private readonly bool _compressed;
    private readonly bool _bigEndian;
    private readonly uint _fracToNanos;
    private readonly int _linkType;
    private readonly uint _maxCapLen;
    // 0: lengths in order; 1: always swapped (version < 2.3); 2: swapped when caplen > len (version 2.3).
    private readonly int _lengthSwap;
    private long _records;
    private CaptureEnd _end;
    private long _incompleteOffset;

    internal PcapReader(CaptureBuffer buffer, string path, bool compressed, long recordsBefore)
    {
        _buf = buffer;
        _path = path;
        _compressed = compressed;
        _records = recordsBefore;
        if (!buffer.Ensure(FileHeaderLength))
        {
            CaptureThrow.Truncated(path, buffer.Position + buffer.Available, 0,
                $"file ends inside the {FileHeaderLength}-byte pcap file header ({buffer.Available} bytes present)");
        }
        ReadOnlySpan<byte> h = buffer.Data.AsSpan(buffer.Start, FileHeaderLength);
        uint magic = BinaryPrimitives.ReadUInt32LittleEndian(h);
        _bigEndian = magic is 0xd4c3b2a1 or 0x4d3cb2a1;
        if (_bigEndian)
        {
            magic = BinaryPrimitives.ReverseEndianness(magic);
        }
        if (magic is not (MagicMicros or MagicNanos))
        {
            CaptureThrow.Corrupt(path, buffer.Position, 0, $"not a pcap file (magic 0x{magic:x8})");
        }
        Header = new PcapFileHeader
        {
            Magic = magic,
            BigEndian = _bigEndian,
            VersionMajor = Read16(h[4..]),
            VersionMinor = Read16(h[6..]),
            SnapLength = Read32(h[16..]),
            LinkTypeField = Read32(h[20..]),
        };
        if (Header.VersionMajor != 2)
        {
            CaptureThrow.Corrupt(path, buffer.Position + 4, 0,
                $"unsupported pcap version {Header.VersionMajor}.{Header.VersionMinor} (only 2.x exists)");
        }
        if ((Header.LinkTypeField & 0x03FF0000) != 0)
        {
            CaptureThrow.Corrupt(path, buffer.Position + 20, 0,
                $"reserved bits set in the link-type field (0x{Header.LinkTypeField:x8}); libpcap and Wireshark reject this file");
        }
        _lengthSwap = Header.VersionMinor < 3 ? 1 : Header.VersionMinor == 3 ? 2 : 0;
        _fracToNanos = magic == MagicNanos ? 1u : 1000u;
        _linkType = Header.LinkType;
        _maxCapLen = (uint)Math.Min(AbsoluteMaxCaptureLength, Math.Max(StandardMaxCaptureLength, Header.SnapLength));
        buffer.Start += FileHeaderLength;
    }

    /// <summary>The file header (byte order, precision, version, snaplen, link-type field).</summary>
    public PcapFileHeader Header { get; }

    /// <inheritdoc/>
    public override string Path => _path;

    /// <inheritdoc/>
    public override CaptureFormat Format => CaptureFormat.Pcap;

    /// <inheritdoc/>
    public override bool IsCompressed => _compressed;

    /// <inheritdoc/>
    public override CaptureEnd End => _end;

    /// <inheritdoc/>
    public override long IncompleteOffset => _incompleteOffset;

    /// <inheritdoc/>
    public override long RecordsRead => _records;

    /// <inheritdoc/>
    public override long BytesConsumed => _buf.Position;

    /// <inheritdoc/>
    public override bool TryRead(out CaptureRecord record)
    {
        CaptureBuffer b = _buf;
        if (!b.Ensure(RecordHeaderLength))
        {
            return EndOfData(out record);
        }
        ReadOnlySpan<byte> h = b.Data.AsSpan(b.Start, RecordHeaderLength);
        uint seconds = Read32(h);
        uint fraction = Read32(h[4..]);
        uint capLen = Read32(h[8..]);
        uint wireLen = Read32(h[12..]);
        if (_lengthSwap != 0 && (_lengthSwap == 1 || capLen > wireLen))
        {
            (capLen, wireLen) = (wireLen, capLen);
        }
        if (capLen > _maxCapLen)
        {
            CaptureThrow.Corrupt(_path, b.Position, _records + 1,
                $"impossible record length {capLen} (maximum {_maxCapLen} for snaplen {Header.SnapLength})");
        }
        int length = RecordHeaderLength + (int)capLen;
        if (!b.Ensure(length))
        {
            return EndOfData(out record);
        }
        int start = b.Start;
        record = new CaptureRecord
        {
            Data = new ReadOnlySpan<byte>(b.Data, start + RecordHeaderLength, (int)capLen),
            FileOffset = b.BaseOffset + start,
            RecordLength = length,
            FrameNumber = ++_records,
            TimestampNanos = (long)seconds * 1_000_000_000L + (long)fraction * _fracToNanos,
            HasTimestamp = true,
            // Wire lengths above 2 GiB do not exist; clamp rather than go negative on a damaged header.
            OriginalLength = (int)Math.Min(wireLen, int.MaxValue),
            LinkType = _linkType,
        };
        b.Start = start + length;
        return true;
    }

    private bool EndOfData(out CaptureRecord record)
    {
        record = default;
        if (_buf.Available == 0)
        {
            _end = CaptureEnd.Complete;
        }
        else
        {
            _end = CaptureEnd.Incomplete;
            _incompleteOffset = _buf.Position;
        }
        return false;
    }

    /// <inheritdoc/>
    public override CaptureResumePoint GetResumePoint() =>
        new(CaptureFormat.Pcap, BytesConsumed, _records, 0, false, []);

    private ushort Read16(ReadOnlySpan<byte> s) =>
        _bigEndian ? BinaryPrimitives.ReadUInt16BigEndian(s) : BinaryPrimitives.ReadUInt16LittleEndian(s);

    private uint Read32(ReadOnlySpan<byte> s) =>
        _bigEndian ? BinaryPrimitives.ReadUInt32BigEndian(s) : BinaryPrimitives.ReadUInt32LittleEndian(s);

    /// <inheritdoc/>
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _buf.Dispose();
        }
        base.Dispose(disposing);
    }
}
