using System.Buffers.Binary;
using PcapStream.Decoding;

namespace PcapStream.Flows;

/// <summary>
/// Serialisable open-flow state of one capture stream (checkpointed between batches). Binary, versioned:
/// magic "PSFS", version, watermark, the file names open flows refer to, then one fixed-size record per flow
/// (little-endian), then the explicit file lists of flows whose files are not a contiguous run.
/// </summary>
public sealed partial class FlowState
{
    private const uint Magic = 0x53465350; // "PSFS" little-endian
    private const int Version = 1;

    internal FlowState(List<string> files, FlowEntry[] entries, List<int>?[] extra, long watermark)
    {
        Files = files;
        Entries = entries;
        Extra = extra;
        WatermarkNanos = watermark;
    }

    internal List<string> Files { get; }
    internal FlowEntry[] Entries { get; }
    internal List<int>?[] Extra { get; }

    /// <summary>Latest packet time of the stream when the state was taken.</summary>
    public long WatermarkNanos { get; }

    /// <summary>Number of open flows in the state.</summary>
    public int OpenFlows => Entries.Length;

    internal static FlowState Capture(FlowTable table, List<string> files, long watermark)
    {
        var entries = new FlowEntry[table.Count];
        var extra = new List<int>?[table.Count];
        int minFile = int.MaxValue;
        for (int s = 0; s < entries.Length; s++)
        {
            entries[s] = table[s];
            extra[s] = table.ExtraFiles(s) is { } l ? [.. l] : null;
            minFile = Math.Min(minFile, extra[s] is { } x ? x[0] : entries[s].FirstFile);
        }
        if (entries.Length == 0)
        {
            minFile = files.Count;
        }
        // Keep only the files open flows can still refer to (the tail of the stream's file list).
        for (int s = 0; s < entries.Length; s++)
        {
            entries[s].FirstFile -= minFile;
            entries[s].LastFile -= minFile;
            if (extra[s] is { } x)
            {
                for (int i = 0; i < x.Count; i++)
                {
                    x[i] -= minFile;
                }
            }
        }
        return new FlowState(files.GetRange(minFile, files.Count - minFile), entries, extra, watermark);
    }

    internal void Restore(FlowTable table)
    {
        // Re-insert in last-packet order so the expiry lists come back ordered.
        int[] order = new int[Entries.Length];
        for (int i = 0; i < order.Length; i++)
        {
            order[i] = i;
        }
        Array.Sort(order, (x, y) => Entries[x].Last.CompareTo(Entries[y].Last));
        foreach (int i in order)
        {
            FlowEntry e = Entries[i];
            int slot = table.Insert(e.Key, e.Key.Hash(), e.Last);
            e.Hash = e.Key.Hash();
            e.List = 255;
            table[slot] = e;
            table.SetExtraFiles(slot, Extra[i] is { } l ? [.. l] : null);
            table.MoveToTail(slot, e.IsClosed && e.Mode == EntryMode.Flow ? FlowTable.ListClosed : FlowTable.ListOf(e.Key));
        }
    }

    /// <summary>Writes the state (versioned binary format).</summary>
    public void WriteTo(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        using var w = new BinaryWriter(stream, System.Text.Encoding.UTF8, leaveOpen: true);
        w.Write(Magic);
        w.Write(Version);
        w.Write(WatermarkNanos);
        w.Write(Files.Count);
        foreach (string f in Files)
        {
            w.Write(f);
        }
        w.Write(Entries.Length);
        Span<byte> rec = stackalloc byte[RecordSize];
        for (int i = 0; i < Entries.Length; i++)
        {
            Encode(Entries[i], rec);
            w.Write(rec);
            List<int>? x = Extra[i];
            w.Write(x?.Count ?? -1);
            if (x is not null)
            {
                foreach (int f in x)
                {
                    w.Write(f);
                }
            }
        }
    }

    /// <summary>Reads a state written by <see cref="WriteTo"/>.</summary>
    /// <exception cref="InvalidDataException">Not a flow state, an unknown version, or cut short.</exception>
    public static FlowState ReadFrom(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        using var r = new BinaryReader(stream, System.Text.Encoding.UTF8, leaveOpen: true);
        try
        {
            if (r.ReadUInt32() != Magic)
            {
                throw new InvalidDataException("not a PcapStream flow state (bad magic)");
            }
            int version = r.ReadInt32();
            if (version != Version)
            {
                throw new InvalidDataException($"flow state version {version} is not supported (expected {Version})");
            }
            long watermark = r.ReadInt64();
            int fileCount = r.ReadInt32();
            var files = new List<string>(fileCount);
            for (int i = 0; i < fileCount; i++)
            {
                files.Add(r.ReadString());
            }
            int n = r.ReadInt32();
            if (n < 0 || fileCount < 0)
            {
                throw new InvalidDataException("flow state is damaged (negative count)");
            }
            var entries = new FlowEntry[n];
            var extra = new List<int>?[n];
            byte[] rec = new byte[RecordSize];
            for (int i = 0; i < n; i++)
            {
                r.BaseStream.ReadExactly(rec);
                entries[i] = Decode(rec);
                int xc = r.ReadInt32();
                if (xc >= 0)
                {
                    var x = new List<int>(xc);
                    for (int j = 0; j < xc; j++)
                    {
                        x.Add(r.ReadInt32());
                    }
                    extra[i] = x;
                }
                if (entries[i].FirstFile < 0 || entries[i].LastFile >= fileCount)
                {
                    throw new InvalidDataException("flow state is damaged (file index out of range)");
                }
            }
            return new FlowState(files, entries, extra, watermark);
        }
        catch (EndOfStreamException e)
        {
            throw new InvalidDataException("flow state is cut short", e);
        }
    }

    private const int RecordSize = 32 + 2 + 2 + 1 + 1 + 2 + 12 + 24 + 64 + 4 + 4 + 4;

    private static void Encode(in FlowEntry e, Span<byte> b)
    {
        BinaryPrimitives.WriteUInt64BigEndian(b, e.Key.A.High);
        BinaryPrimitives.WriteUInt64BigEndian(b[8..], e.Key.A.Low);
        BinaryPrimitives.WriteUInt64BigEndian(b[16..], e.Key.B.High);
        BinaryPrimitives.WriteUInt64BigEndian(b[24..], e.Key.B.Low);
        BinaryPrimitives.WriteUInt16LittleEndian(b[32..], e.Key.PortA);
        BinaryPrimitives.WriteUInt16LittleEndian(b[34..], e.Key.PortB);
        b[36] = e.Key.Proto;
        b[37] = e.Key.Kind;
        BinaryPrimitives.WriteInt16LittleEndian(b[38..], e.Key.Vlan);
        BinaryPrimitives.WriteInt32LittleEndian(b[40..], e.FirstFile);
        BinaryPrimitives.WriteInt32LittleEndian(b[44..], e.LastFile);
        BinaryPrimitives.WriteInt32LittleEndian(b[48..], e.FileCount);
        BinaryPrimitives.WriteInt64LittleEndian(b[52..], e.First);
        BinaryPrimitives.WriteInt64LittleEndian(b[60..], e.Last);
        BinaryPrimitives.WriteInt64LittleEndian(b[68..], e.ClosedAt);
        Span<long> counters = [e.PktA, e.PktB, e.BytesA, e.BytesB, e.IpA, e.IpB, e.PayA, e.PayB];
        for (int i = 0; i < 8; i++)
        {
            BinaryPrimitives.WriteInt64LittleEndian(b[(76 + i * 8)..], counters[i]);
        }
        BinaryPrimitives.WriteUInt16LittleEndian(b[140..], e.FlagsA);
        BinaryPrimitives.WriteUInt16LittleEndian(b[142..], e.FlagsB);
        BinaryPrimitives.WriteUInt32LittleEndian(b[144..], e.Isn);
        b[148] = e.History;
        b[149] = e.Orig;
        b[150] = e.Mode;
        b[151] = 0;
    }

    private static FlowEntry Decode(ReadOnlySpan<byte> b)
    {
        var key = new FlowKey(
            new IpAddress16(BinaryPrimitives.ReadUInt64BigEndian(b), BinaryPrimitives.ReadUInt64BigEndian(b[8..])),
            new IpAddress16(BinaryPrimitives.ReadUInt64BigEndian(b[16..]), BinaryPrimitives.ReadUInt64BigEndian(b[24..])),
            BinaryPrimitives.ReadUInt16LittleEndian(b[32..]), BinaryPrimitives.ReadUInt16LittleEndian(b[34..]),
            b[36], b[37], BinaryPrimitives.ReadInt16LittleEndian(b[38..]));
        var e = new FlowEntry
        {
            Key = key,
            FirstFile = BinaryPrimitives.ReadInt32LittleEndian(b[40..]),
            LastFile = BinaryPrimitives.ReadInt32LittleEndian(b[44..]),
            FileCount = BinaryPrimitives.ReadInt32LittleEndian(b[48..]),
            First = BinaryPrimitives.ReadInt64LittleEndian(b[52..]),
            Last = BinaryPrimitives.ReadInt64LittleEndian(b[60..]),
            ClosedAt = BinaryPrimitives.ReadInt64LittleEndian(b[68..]),
            PktA = BinaryPrimitives.ReadInt64LittleEndian(b[76..]),
            PktB = BinaryPrimitives.ReadInt64LittleEndian(b[84..]),
            BytesA = BinaryPrimitives.ReadInt64LittleEndian(b[92..]),
            BytesB = BinaryPrimitives.ReadInt64LittleEndian(b[100..]),
            IpA = BinaryPrimitives.ReadInt64LittleEndian(b[108..]),
            IpB = BinaryPrimitives.ReadInt64LittleEndian(b[116..]),
            PayA = BinaryPrimitives.ReadInt64LittleEndian(b[124..]),
            PayB = BinaryPrimitives.ReadInt64LittleEndian(b[132..]),
            FlagsA = BinaryPrimitives.ReadUInt16LittleEndian(b[140..]),
            FlagsB = BinaryPrimitives.ReadUInt16LittleEndian(b[142..]),
            Isn = BinaryPrimitives.ReadUInt32LittleEndian(b[144..]),
            History = b[148],
            Orig = b[149],
            Mode = b[150] == EntryMode.Continuing ? EntryMode.Continuing : EntryMode.Flow,
            List = 255,
        };
        e.Hash = key.Hash();
        return e;
    }
}
