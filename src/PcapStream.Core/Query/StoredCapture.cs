using System.Diagnostics.CodeAnalysis;
using PcapStream.Readers;

namespace PcapStream.Query;

/// <summary>What the packets dataset recorded about one packet: where it is and what must be found there.</summary>
/// <param name="File">The <c>file</c> column (path under the input root).</param>
/// <param name="FileOffset">The <c>fileOffset</c> column.</param>
/// <param name="TimestampNanos">Packet time, ns.</param>
/// <param name="CapturedLength">Captured bytes.</param>
/// <param name="Length">Wire length.</param>
/// <param name="LinkType">LINKTYPE_ value.</param>
/// <param name="FrameNumber">1-based number within the file.</param>
public readonly record struct StoredPacket(string File, long FileOffset, long TimestampNanos, int CapturedLength, int Length,
    int LinkType, long FrameNumber);

/// <summary>
/// Random access to the records of one capture file at the offsets the packets dataset stored, with the readers'
/// own format knowledge (<see cref="CaptureReader.OpenAt"/>): a record close after the previous one is reached by
/// reading on; a distant one by one seek. Every record is checked against its <see cref="StoredPacket"/>, so a file
/// rewritten since ingest is reported, never copied. A pcapng record whose section or interface was described
/// after the first packet fails that check at first and is then found by one read from the start of the file.
/// </summary>
internal sealed class StoredCapture : IDisposable
{
    // Reading on through up to this many bytes is cheaper than reopening (a read of the file header and a seek).
    private const long ForwardGap = 64 << 10;
    private const int SeekBuffer = 16 << 10;
    private const int ScanBuffer = 256 << 10;

    private readonly string _path;
    private readonly CaptureResumePoint _initial;
    private CaptureReader _reader;
    private bool _scannedFromStart;
    private string? _why; // why the last read found no record (a ref parameter would tie the record to a local)

    private StoredCapture(string path, string name, CaptureReader reader, PcapFileHeader? header,
        IReadOnlyList<PcapNgInterface> interfaces)
    {
        _path = path;
        Name = name;
        _reader = reader;
        _initial = reader.GetResumePoint();
        PcapHeader = header;
        FirstInterfaces = interfaces;
    }

    /// <summary>The name used in errors (the <c>file</c> column).</summary>
    public string Name { get; }

    /// <summary>pcap or pcapng.</summary>
    public CaptureFormat Format => _reader.Format;

    /// <summary>For pcap: the file header (byte order, precision, snap length); null for pcapng.</summary>
    public PcapFileHeader? PcapHeader { get; }

    /// <summary>For pcapng: the interfaces described before the first packet; empty for pcap.</summary>
    public IReadOnlyList<PcapNgInterface> FirstInterfaces { get; }

    /// <summary>Opens <paramref name="path"/> and reads its header and first packet.</summary>
    /// <exception cref="CaptureChangedException">The file is missing or is no longer a capture holding packets.</exception>
    public static StoredCapture Open(string path, string name)
    {
        CaptureReader reader;
        try
        {
            reader = CaptureReader.Open(path, null, SeekBuffer);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new CaptureChangedException(name,
                $"capture file '{name}' no longer exists (expected at {path}); it was deleted or moved since ingest: give --input-root DIR if it was moved");
        }
        catch (CaptureFormatException e)
        {
            throw new CaptureChangedException(name, $"capture file '{name}' changed since ingest: {e.Reason}", e);
        }
        try
        {
            // The first packet brings the pcapng section and the interfaces described before it into the state.
            if (!reader.TryRead(out _))
            {
                ThrowChanged(name, "it holds no packets any more");
            }
            return new StoredCapture(path, name, reader, (reader as PcapReader)?.Header,
                reader is PcapNgReader ng ? ng.Interfaces : []);
        }
        catch (CaptureFormatException e)
        {
            reader.Dispose();
            throw new CaptureChangedException(name, $"capture file '{name}' changed since ingest: {e.Reason}", e);
        }
        catch
        {
            reader.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Reads the record of <paramref name="packet"/>. The record is valid until the next call; for pcapng,
    /// <see cref="InterfaceOf"/> describes its interface until then.
    /// </summary>
    /// <exception cref="CaptureChangedException">No record matching the dataset's row is at that offset.</exception>
    public CaptureRecord Read(in StoredPacket packet)
    {
        _why = null;
        if (TryReadAt(packet, out CaptureRecord record) && Matches(record, packet))
        {
            return record;
        }
        if (Format == CaptureFormat.PcapNg && !_scannedFromStart)
        {
            // A section or interface described after the first packet: read the file's structure from the start.
            _scannedFromStart = true;
            if (TryScanFromStart(packet, out record) && Matches(record, packet))
            {
                return record;
            }
        }
        if (_why is not null)
        {
            ThrowChanged(Name, $"no packet record starts at byte offset {packet.FileOffset} (frame {packet.FrameNumber}): {_why}");
        }
        throw new CaptureChangedException(Name,
            $"capture file '{Name}' changed since ingest: the record at byte offset {packet.FileOffset} (frame {packet.FrameNumber}) "
            + $"has time {record.TimestampNanos} ns, {record.CapturedLength} of {record.OriginalLength} bytes, link type {record.LinkType}; "
            + $"the packets dataset recorded {packet.TimestampNanos} ns, {packet.CapturedLength} of {packet.Length} bytes, link type {packet.LinkType}");
    }

    /// <summary>The pcapng interface of the record just read; null for pcap.</summary>
    public PcapNgInterface? InterfaceOf(in CaptureRecord record) =>
        _reader is PcapNgReader ng ? ng.GetInterface(record.InterfaceId) : null;

    private bool TryReadAt(in StoredPacket packet, out CaptureRecord record)
    {
        record = default;
        long offset = packet.FileOffset;
        try
        {
            long position = _reader.BytesConsumed;
            if (offset >= position && (offset - position <= ForwardGap || _reader.IsCompressed))
            {
                return ReadOnTo(offset, out record); // a gzip stream is decompressed forward anyway
            }
            CaptureResumePoint state = offset >= position ? _reader.GetResumePoint() : _initial;
            _reader.Dispose();
            _reader = CaptureReader.OpenAt(_path, state, offset, Math.Max(1, packet.FrameNumber), SeekBuffer);
            return ReadOnTo(offset, out record);
        }
        catch (CaptureFormatException e)
        {
            _why = e.Reason;
            return false;
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            ThrowChanged(Name, "it was deleted while being read");
            return false;
        }
    }

    private bool TryScanFromStart(in StoredPacket packet, out CaptureRecord record)
    {
        record = default;
        try
        {
            _reader.Dispose();
            _reader = CaptureReader.Open(_path, null, ScanBuffer);
            return ReadOnTo(packet.FileOffset, out record);
        }
        catch (CaptureFormatException e)
        {
            _why = e.Reason;
            return false;
        }
    }

    private bool ReadOnTo(long offset, out CaptureRecord record)
    {
        while (_reader.TryRead(out record))
        {
            if (record.FileOffset == offset)
            {
                return true;
            }
            if (record.FileOffset > offset)
            {
                _why = $"records start at {record.FileOffset} but none at {offset}";
                return false;
            }
        }
        _why = "the file ends before it";
        return false;
    }

    private static bool Matches(in CaptureRecord r, in StoredPacket p) =>
        r.TimestampNanos == p.TimestampNanos && r.CapturedLength == p.CapturedLength && r.OriginalLength == p.Length
        && r.LinkType == p.LinkType;

    [DoesNotReturn]
    private static void ThrowChanged(string name, string why) =>
        throw new CaptureChangedException(name, $"capture file '{name}' changed since ingest: {why}");

    public void Dispose() => _reader.Dispose();
}

/// <summary>
/// A capture file named by the datasets is missing or no longer holds the record the datasets point to (deleted,
/// rotated away, rewritten). The message names the file.
/// </summary>
public sealed class CaptureChangedException : IOException
{
    /// <summary>Creates the error for <paramref name="file"/>.</summary>
    public CaptureChangedException(string file, string message) : base(message) => File = file;

    /// <summary>Creates the error for <paramref name="file"/>, caused by <paramref name="inner"/>.</summary>
    public CaptureChangedException(string file, string message, Exception inner) : base(message, inner) => File = file;

    public CaptureChangedException() { File = "?"; }

    public CaptureChangedException(string message) : base(message) { File = "?"; }

    public CaptureChangedException(string message, Exception inner) : base(message, inner) { File = "?"; }

    /// <summary>The capture file (as named in the datasets).</summary>
    public string File { get; }
}
