using System.Runtime.CompilerServices;
using System.Text;
using PcapStream.Readers;

namespace PcapStream.Decoding;

/// <summary>
/// Totals of <c>packets --count</c>: packets, wire bytes, captured bytes, packets per link type and per
/// anomaly. Adding a packet is a few integer operations: no lookup, no allocation (link types are counted in a
/// small array; the rare type beyond it goes to a dictionary). The read+decode+count loop lives here, in Core, so
/// the JIT and the Native AOT builds of <c>pcapstream</c> run one implementation.
/// </summary>
public sealed class PacketTotals
{
    private const int DirectLinkTypes = 512;
    private readonly long[] _byLinkType = new long[DirectLinkTypes];
    private readonly long[] _byAnomaly = new long[256];
    private readonly SortedDictionary<int, long> _otherLinkTypes = [];

    public long Packets { get; private set; }
    public long Bytes { get; private set; }
    public long CapturedBytes { get; private set; }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Add(in DecodedPacket packet)
    {
        Packets++;
        Bytes += packet.WireLength;
        CapturedBytes += packet.CapturedLength;
        _byAnomaly[(byte)packet.Anomaly]++;
        if ((uint)packet.LinkType < DirectLinkTypes)
        {
            _byLinkType[packet.LinkType]++;
        }
        else
        {
            _otherLinkTypes[packet.LinkType] = _otherLinkTypes.GetValueOrDefault(packet.LinkType) + 1;
        }
    }

    /// <summary>
    /// Reads, decodes and counts every record of <paramref name="file"/>, then writes the totals (<see cref="Write"/>)
    /// to <paramref name="output"/>. The totals of the good records are written even when the file is damaged
    /// further on; the <see cref="CaptureFormatException"/> naming the damage is thrown after them.
    /// </summary>
    public static void CountFile(string file, Stream output, bool json)
    {
        var totals = new PacketTotals();
        using CaptureReader reader = CaptureReader.OpenMapped(file);
        try
        {
            if (reader is PcapReader pcap)
            {
                CountPcap(pcap, totals);
            }
            else
            {
                CountAny(reader, totals);
            }
        }
        finally
        {
            totals.Write(output, json);
        }
        reader.ThrowIfTruncated();
    }

    /// <summary>
    /// The loop over a classic pcap file. Holding the sealed <see cref="PcapReader"/> lets TryRead, the decoder's
    /// fast path and the totals inline into this one method. AggressiveOptimization compiles it fully optimised on
    /// its only call under the JIT: it runs once, so tiering could never replace a slower first (ReadyToRun or
    /// tier-0) version. (Native AOT ignores the attribute: everything is compiled optimised ahead of time.)
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void CountPcap(PcapReader reader, PacketTotals totals)
    {
        var packet = new DecodedPacket();
        while (reader.TryRead(out CaptureRecord record))
        {
            PacketDecoder.Decode(record.Data, record.LinkType, record.OriginalLength, ref packet);
            totals.Add(in packet);
        }
    }

    /// <summary>The same loop for pcapng and other readers (one virtual call per record).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void CountAny(CaptureReader reader, PacketTotals totals)
    {
        var packet = new DecodedPacket();
        while (reader.TryRead(out CaptureRecord record))
        {
            PacketDecoder.Decode(record.Data, record.LinkType, record.OriginalLength, ref packet);
            totals.Add(in packet);
        }
    }

    /// <summary>
    /// Text: one <c>name&lt;TAB&gt;value</c> line each (packets, bytes, capturedBytes, linkType.N, anomaly.NAME);
    /// JSON: one object <c>{"packets":..,"bytes":..,"capturedBytes":..,"linkTypes":{"1":..},"anomalies":{"truncated":..}}</c>.
    /// </summary>
    public void Write(Stream output, bool json)
    {
        var linkTypes = new SortedDictionary<int, long>(_otherLinkTypes);
        for (int i = 0; i < _byLinkType.Length; i++)
        {
            if (_byLinkType[i] > 0)
            {
                linkTypes[i] = _byLinkType[i];
            }
        }
        var anomalies = new List<(string Name, long Count)>();
        for (int i = 1; i < _byAnomaly.Length; i++)
        {
            if (_byAnomaly[i] > 0)
            {
                anomalies.Add((AnomalyNames.Of((Anomaly)i) ?? i.ToString(), _byAnomaly[i]));
            }
        }

        var text = new StringBuilder();
        if (json)
        {
            text.Append($"{{\"packets\":{Packets},\"bytes\":{Bytes},\"capturedBytes\":{CapturedBytes},\"linkTypes\":{{");
            text.AppendJoin(',', linkTypes.Select(p => $"\"{p.Key}\":{p.Value}"));
            text.Append("},\"anomalies\":{");
            text.AppendJoin(',', anomalies.Select(a => $"\"{a.Name}\":{a.Count}"));
            text.Append("}}\n");
        }
        else
        {
            text.Append($"packets\t{Packets}\nbytes\t{Bytes}\ncapturedBytes\t{CapturedBytes}\n");
            foreach (var (type, count) in linkTypes)
            {
                text.Append($"linkType.{type}\t{count}\n");
            }
            foreach (var (name, count) in anomalies)
            {
                text.Append($"anomaly.{name}\t{count}\n");
            }
        }
        output.Write(Encoding.UTF8.GetBytes(text.ToString()));
        output.Flush();
    }
}
