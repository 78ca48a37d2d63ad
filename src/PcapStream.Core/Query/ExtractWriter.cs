using System.Buffers.Binary;
using PcapStream.Readers;

namespace PcapStream.Query;

/// <summary>
/// Writes extracted records. Classic pcap when every packet has the same link type and the same timestamp precision
/// (µs or ns) — then records from pcap captures of the same byte order are copied verbatim, header included;
/// otherwise, or with <c>--pcapng</c>, pcapng with one interface per (link type, resolution, snap length), so no
/// link type or precision is lost. Packet bytes are always exactly the captured ones. The file appears under its
/// name only when complete.
/// </summary>
internal sealed class ExtractWriter : IDisposable
{
    private readonly string _destination;
    private readonly string _temporary;
    private readonly bool _forcePcapNg;
    private readonly Dictionary<string, StoredCapture> _captures = new(StringComparer.Ordinal);
    private readonly Dictionary<(int, byte, int), int> _interfaces = [];
    private bool _done;

    public ExtractWriter(string destination, bool pcapNg)
    {
        _destination = Path.GetFullPath(destination);
        _temporary = Path.Combine(Path.GetDirectoryName(_destination)!, "." + Path.GetFileName(_destination) + ".partial");
        _forcePcapNg = pcapNg;
    }

    public bool IsPcapNg { get; private set; }
    public int Captures => _captures.Count;
    public long Bytes { get; private set; }

    public void Write(List<PacketExtractor.PacketRef> packets, Func<string, string> resolve)
    {
        var linkTypes = new HashSet<int>();
        foreach (PacketExtractor.PacketRef p in packets)
        {
            linkTypes.Add(p.LinkType);
            if (!_captures.ContainsKey(p.File))
            {
                _captures.Add(p.File, StoredCapture.Open(resolve(p.File), p.File));
            }
        }
        var resolutions = new HashSet<byte>();
        bool allPcap = true, allBigEndian = true;
        foreach (StoredCapture c in _captures.Values)
        {
            allPcap &= c.Format == CaptureFormat.Pcap;
            allBigEndian &= c.Format == CaptureFormat.Pcap && c.BigEndian;
            if (c.Format == CaptureFormat.Pcap)
            {
                resolutions.Add(c.PcapResolution);
            }
            else
            {
                resolutions.UnionWith(c.Resolutions());
            }
        }
        byte resolution = resolutions.Count == 1 ? First(resolutions) : (byte)0;
        IsPcapNg = _forcePcapNg || linkTypes.Count > 1 || resolution is not (6 or 9);
        bool bigEndian = allPcap && allBigEndian;

        using (var file = new FileStream(_temporary, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16))
        {
            PcapNgWriter? ng = IsPcapNg ? new PcapNgWriter(file, ownsStream: false) : null;
            if (!IsPcapNg)
            {
                WritePcapHeader(file, bigEndian, resolution == 9, SnapLength(), linkTypes.Count == 0 ? 1 : First(linkTypes));
            }
            Span<byte> header = stackalloc byte[16];
            foreach (PacketExtractor.PacketRef p in packets)
            {
                StoredCapture capture = _captures[p.File];
                StoredRecord record = ReadVerified(capture, p);
                if (ng is not null)
                {
                    if (!_interfaces.TryGetValue((record.LinkType, record.TimestampResolution, record.SnapLength), out int id))
                    {
                        id = ng.AddInterface(record.LinkType, record.TimestampResolution, record.SnapLength);
                        _interfaces.Add((record.LinkType, record.TimestampResolution, record.SnapLength), id);
                    }
                    ng.Write(id, record.RawTimestamp, record.Data, record.OriginalLength);
                }
                else if (capture.Format == CaptureFormat.Pcap && capture.BigEndian == bigEndian)
                {
                    file.Write(record.Record.Span); // verbatim: same byte order and precision as the output
                }
                else
                {
                    EncodePcapRecord(header, bigEndian, resolution == 9, record);
                    file.Write(header);
                    file.Write(record.Data);
                }
            }
            ng?.Dispose();
            file.Flush(flushToDisk: false);
            Bytes = file.Length;
        }
        File.Move(_temporary, _destination, overwrite: true);
        _done = true;
    }

    private static StoredRecord ReadVerified(StoredCapture capture, PacketExtractor.PacketRef p)
    {
        StoredRecord record = capture.Read(p.FileOffset);
        if (!Matches(record, p) && capture.Rewalk(p.FileOffset))
        {
            record = capture.Read(p.FileOffset); // a later pcapng section or interface: now known
        }
        if (!Matches(record, p))
        {
            throw new CaptureChangedException(p.File,
                $"capture file '{p.File}' changed since ingest: the record at byte offset {p.FileOffset} (frame {p.FrameNumber}) "
                + $"has time {record.TimestampNanos} ns, {record.CapturedLength} of {record.OriginalLength} bytes, link type {record.LinkType}; "
                + $"the packets dataset recorded {p.TimestampNanos} ns, {p.CapturedLength} of {p.Length} bytes, link type {p.LinkType}");
        }
        return record;
    }

    private static bool Matches(in StoredRecord r, PacketExtractor.PacketRef p) =>
        r.TimestampNanos == p.TimestampNanos && r.CapturedLength == p.CapturedLength && r.OriginalLength == p.Length && r.LinkType == p.LinkType;

    private int SnapLength()
    {
        int snap = 0;
        foreach (StoredCapture c in _captures.Values)
        {
            snap = Math.Max(snap, c.PcapSnapLength);
        }
        return snap == 0 ? 262144 : snap;
    }

    private static void WritePcapHeader(Stream s, bool bigEndian, bool nanos, int snapLength, int linkType)
    {
        Span<byte> h = stackalloc byte[24];
        Put32(h, bigEndian, nanos ? 0xa1b23c4du : 0xa1b2c3d4u);
        Put16(h[4..], bigEndian, 2);
        Put16(h[6..], bigEndian, 4);
        Put32(h[8..], bigEndian, 0);
        Put32(h[12..], bigEndian, 0);
        Put32(h[16..], bigEndian, (uint)snapLength);
        Put32(h[20..], bigEndian, (uint)linkType);
        s.Write(h);
    }

    private static void EncodePcapRecord(Span<byte> h, bool bigEndian, bool nanos, in StoredRecord r)
    {
        long seconds = Math.DivRem(r.TimestampNanos, 1_000_000_000L, out long ns);
        Put32(h, bigEndian, (uint)seconds);
        Put32(h[4..], bigEndian, (uint)(nanos ? ns : ns / 1000));
        Put32(h[8..], bigEndian, (uint)r.CapturedLength);
        Put32(h[12..], bigEndian, (uint)r.OriginalLength);
    }

    private static void Put32(Span<byte> b, bool bigEndian, uint v)
    {
        if (bigEndian)
        {
            BinaryPrimitives.WriteUInt32BigEndian(b, v);
        }
        else
        {
            BinaryPrimitives.WriteUInt32LittleEndian(b, v);
        }
    }

    private static void Put16(Span<byte> b, bool bigEndian, ushort v)
    {
        if (bigEndian)
        {
            BinaryPrimitives.WriteUInt16BigEndian(b, v);
        }
        else
        {
            BinaryPrimitives.WriteUInt16LittleEndian(b, v);
        }
    }

    private static T First<T>(HashSet<T> set)
    {
        foreach (T item in set)
        {
            return item;
        }
        throw new InvalidOperationException("empty set");
    }

    public void Dispose()
    {
        foreach (StoredCapture c in _captures.Values)
        {
            c.Dispose();
        }
        if (!_done && File.Exists(_temporary))
        {
            File.Delete(_temporary); // a failed extract leaves nothing half-written behind
        }
    }
}
