using System.Text;
using PcapStream.Decoding;

namespace PcapStream.Cli.Commands;

/// <summary>
/// Totals of <c>packets --count</c>: packets, wire bytes, captured bytes, packets per link type and per
/// anomaly. Adding a packet is a few integer operations: no lookup, no allocation (link types are counted in a
/// small array; the rare type beyond it goes to a dictionary).
/// </summary>
internal sealed class PacketTotals
{
    private const int DirectLinkTypes = 512;
    private readonly long[] _byLinkType = new long[DirectLinkTypes];
    private readonly long[] _byAnomaly = new long[256];
    private readonly SortedDictionary<int, long> _otherLinkTypes = [];

    public long Packets { get; private set; }
    public long Bytes { get; private set; }
    public long CapturedBytes { get; private set; }

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
