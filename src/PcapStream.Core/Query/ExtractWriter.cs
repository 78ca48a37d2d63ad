using PcapStream.Readers;

namespace PcapStream.Query;

/// <summary>
/// Writes extracted records. Classic pcap when every packet has the same link type and the same timestamp precision
/// (µs or ns), little-endian (so little-endian pcap in, pcap out reproduces the records, headers included);
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

    public void Write(List<StoredPacket> packets, Func<string, string> resolve)
    {
        var linkTypes = new HashSet<int>();
        foreach (StoredPacket p in packets)
        {
            linkTypes.Add(p.LinkType);
            if (!_captures.ContainsKey(p.File))
            {
                _captures.Add(p.File, StoredCapture.Open(resolve(p.File), p.File));
            }
        }
        var resolutions = new HashSet<byte>();
        foreach (StoredCapture c in _captures.Values)
        {
            if (c.PcapHeader is PcapFileHeader h)
            {
                resolutions.Add(h.Nanosecond ? (byte)9 : (byte)6);
            }
            foreach (PcapNgInterface i in c.FirstInterfaces)
            {
                resolutions.Add(i.TimestampResolution);
            }
        }
        byte resolution = resolutions.Count == 1 ? First(resolutions) : (byte)0;
        IsPcapNg = _forcePcapNg || linkTypes.Count > 1 || resolution is not (6 or 9);
        bool nanos = resolution == 9;

        using (var file = new FileStream(_temporary, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16))
        {
            PcapNgWriter? ng = IsPcapNg ? new PcapNgWriter(file, ownsStream: false) : null;
            PcapWriter? pcap = IsPcapNg ? null
                : new PcapWriter(file, linkTypes.Count == 0 ? 1 : First(linkTypes), nanos, SnapLength(), ownsStream: false);
            foreach (StoredPacket p in packets)
            {
                StoredCapture capture = _captures[p.File];
                CaptureRecord record = capture.Read(p);
                if (ng is not null)
                {
                    WritePcapNg(ng, capture, record);
                }
                else
                {
                    // The record header is written afresh from what the reader parsed: for a little-endian pcap
                    // source of the same precision these are the source's bytes; the packet bytes always are.
                    pcap!.Write(record.TimestampNanos, record.Data, record.OriginalLength);
                }
            }
            ng?.Dispose();
            pcap?.Dispose();
            file.Flush(flushToDisk: false);
            Bytes = file.Length;
        }
        File.Move(_temporary, _destination, overwrite: true);
        _done = true;
    }

    /// <summary>
    /// One Enhanced Packet Block on an interface of the record's link type, precision and snap length. Decimal
    /// precisions down to ns are kept exactly; finer or binary ones are written in ns (what the reader resolves).
    /// </summary>
    private void WritePcapNg(PcapNgWriter ng, StoredCapture capture, in CaptureRecord record)
    {
        byte resolution;
        int snap;
        if (capture.InterfaceOf(record) is PcapNgInterface i)
        {
            resolution = i.TimestampResolution <= 9 ? i.TimestampResolution : (byte)9;
            snap = (int)Math.Min(i.SnapLength, int.MaxValue);
        }
        else
        {
            PcapFileHeader h = capture.PcapHeader!.Value;
            resolution = h.Nanosecond ? (byte)9 : (byte)6;
            snap = (int)Math.Min(h.SnapLength, int.MaxValue);
        }
        var key = (record.LinkType, resolution, snap);
        if (!_interfaces.TryGetValue(key, out int id))
        {
            id = ng.AddInterface(record.LinkType, resolution, snap);
            _interfaces.Add(key, id);
        }
        ulong units = (ulong)record.TimestampNanos / Pow10(9 - resolution);
        ng.Write(id, units, record.Data, record.OriginalLength);
    }

    private static ulong Pow10(int n)
    {
        ulong r = 1;
        for (int k = 0; k < n; k++)
        {
            r *= 10;
        }
        return r;
    }

    private int SnapLength()
    {
        int snap = 0;
        foreach (StoredCapture c in _captures.Values)
        {
            if (c.PcapHeader is PcapFileHeader h)
            {
                snap = (int)Math.Max(snap, Math.Min(h.SnapLength, int.MaxValue));
            }
        }
        return snap == 0 ? 262144 : snap;
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
