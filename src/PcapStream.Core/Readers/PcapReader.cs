using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics.X86;

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
public sealed unsafe class PcapReader : CaptureReader
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

    // Bytes ahead of the current record that TryRead prefetches (a few average records, about one miss latency).
    private const int PrefetchDistance = 3072;

    private readonly CaptureBuffer _buf;
    private readonly string _path;
    private readonly bool _compressed;
    private readonly bool _bigEndian;
    // The file's byte order differs from this machine's: every header field is reversed.
    private readonly bool _swapBytes;
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
        ReadOnlySpan<byte> h = buffer.Span(buffer.Start, FileHeaderLength);
        uint magic = BinaryPrimitives.ReadUInt32LittleEndian(h);
        _bigEndian = magic is 0xd4c3b2a1 or 0x4d3cb2a1;
        _swapBytes = _bigEndian == BitConverter.IsLittleEndian;
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
    /// <remarks>
    /// Inlined into a loop that holds the reader as <see cref="PcapReader"/> (sealed: no virtual call). The common
    /// record — header and body already in the buffer, lengths in order and within bounds — costs one availability
    /// check and four unaligned loads; anything else (refill, swapped lengths, errors, end of data) is prepared by
    /// <see cref="PrepareRecord"/>, which leaves the record in the buffer for the same parse. The record is only
    /// ever built here, so it stays in registers in the caller's loop.
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public override bool TryRead(out CaptureRecord record)
    {
        CaptureBuffer b = _buf;
        int start = b.Start;
        int available = b.End - start;
        uint capLen = 0;
        // In range without bounds checks: [Base + Start, Base + End) is valid, and 16 bytes are checked available.
        ref byte h = ref Unsafe.AsRef<byte>(b.Base + start);
        if (available < RecordHeaderLength || _lengthSwap != 0
            || (capLen = Field(ref h, 8)) > _maxCapLen || available - RecordHeaderLength < (int)capLen)
        {
            if (!PrepareRecord(out capLen))
            {
                record = default;
                return false;
            }
            start = b.Start;
            h = ref Unsafe.AsRef<byte>(b.Base + start);
        }
        uint wireLen = Field(ref h, 12);
        if (_lengthSwap != 0 && (_lengthSwap == 1 || Field(ref h, 8) > wireLen))
        {
            wireLen = Field(ref h, 8); // versions before 2.3 (and 2.3 with caplen > len) swapped the two fields
        }
        int length = RecordHeaderLength + (int)capLen;
        if (Sse.IsSupported)
        {
            // Each record's address depends on the previous record's length, so the CPU cannot run ahead to the
            // next cache misses by itself (and its prefetcher stops at page boundaries of a mapping): ask for the
            // bytes a few records ahead. A hint only; an address past the buffer is harmless (prefetches never fault).
            Sse.Prefetch0(b.Base + start + PrefetchDistance);
            Sse.Prefetch0(b.Base + start + PrefetchDistance + 64);
        }
        record = new CaptureRecord
        {
            // The body is inside [Start, End): checked above or by PrepareRecord.
            Data = MemoryMarshal.CreateReadOnlySpan(ref Unsafe.Add(ref h, RecordHeaderLength), (int)capLen),
            FileOffset = b.BaseOffset + start,
            RecordLength = length,
            FrameNumber = ++_records,
            TimestampNanos = (long)Field(ref h, 0) * 1_000_000_000L + (long)Field(ref h, 4) * _fracToNanos,
            HasTimestamp = true,
            // Wire lengths above 2 GiB do not exist; clamp rather than go negative on a damaged header.
            OriginalLength = (int)Math.Min(wireLen, int.MaxValue),
            LinkType = _linkType,
        };
        b.Start = start + length;
        return true;
    }

    /// <summary>Switches to reading through a memory mapping (see <see cref="CaptureReader.OpenMapped"/>); before the first record.</summary>
    internal bool MapFile() => _records == 0 && _buf.TryMap();

    /// <summary>True when the records come from a memory mapping of the file.</summary>
    internal bool IsMapped => _buf.IsMapped;

    /// <summary>A 32-bit header field in the file's byte order.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private uint Field(ref byte header, int offset)
    {
        uint v = Unsafe.ReadUnaligned<uint>(ref Unsafe.Add(ref header, offset));
        return _swapBytes ? BinaryPrimitives.ReverseEndianness(v) : v;
    }

    /// <summary>
    /// The uncommon record step: refills the buffer until the whole record is in it, applies the length swap of old
    /// versions and checks the length. Returns false at the end of the data (<see cref="End"/> set); throws
    /// <see cref="CaptureFormatException"/> for an impossible length.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private bool PrepareRecord(out uint capLen)
    {
        CaptureBuffer b = _buf;
        capLen = 0;
        if (!b.Ensure(RecordHeaderLength))
        {
            return EndOfData();
        }
        ReadOnlySpan<byte> h = b.Span(b.Start, RecordHeaderLength);
        capLen = Read32(h[8..]);
        uint wireLen = Read32(h[12..]);
        if (_lengthSwap != 0 && (_lengthSwap == 1 || capLen > wireLen))
        {
            capLen = wireLen;
        }
        if (capLen > _maxCapLen)
        {
            CaptureThrow.Corrupt(_path, b.Position, _records + 1,
                $"impossible record length {capLen} (maximum {_maxCapLen} for snaplen {Header.SnapLength})");
        }
        return b.Ensure(RecordHeaderLength + (int)capLen) || EndOfData();
    }

    private bool EndOfData()
    {
        _end = _buf.EndOfData(ref _incompleteOffset);
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
