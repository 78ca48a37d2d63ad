using System.Data.Common;
using System.Globalization;
using System.Text;

namespace PcapStream.Query;

/// <summary>What <c>pcapstream extract</c> pulls back: exactly one of the three selectors, optionally a time window.</summary>
public sealed class ExtractRequest
{
    /// <summary>Output directory holding the datasets.</summary>
    public required string OutputDirectory { get; init; }
    /// <summary>File to write (replaced atomically: written under a temporary name, then renamed).</summary>
    public required string Destination { get; init; }
    public string? FlowId { get; init; }
    public string? CommunityId { get; init; }
    /// <summary>A SQL predicate on the <c>flows</c> view (its columns, including <c>date</c> and <c>hour</c>).</summary>
    public string? Where { get; init; }
    /// <summary>Only flows active at or after this time (UTC).</summary>
    public DateTime? From { get; init; }
    /// <summary>Only flows active at or before this time (UTC).</summary>
    public DateTime? To { get; init; }
    /// <summary>Where the captures are (the folder <c>file</c> is relative to); null: where the streaming job's source log says it read them.</summary>
    public string? InputRoot { get; init; }
    /// <summary>Write pcapng even when classic pcap could hold the packets.</summary>
    public bool PcapNg { get; init; }
}

/// <summary>What an extract wrote.</summary>
public sealed record ExtractResult(long Flows, long Packets, int Captures, bool WrotePcapNg, long Bytes);

/// <summary>
/// <c>pcapstream extract</c>: selects flows with SQL, finds their packets' <c>(file, fileOffset)</c> in the packets
/// dataset (pruned to the hours the flows span), reads exactly those records from the captures and writes them in
/// time order, each verified against its packets row so a capture changed since ingest is reported, not copied.
/// </summary>
public static class PacketExtractor
{
    /// <summary>Runs the extract.</summary>
    /// <exception cref="ArgumentException">No selector, or more than one.</exception>
    /// <exception cref="QueryException">The selection SQL is wrong, or no flow matched.</exception>
    /// <exception cref="CaptureChangedException">A capture is missing or no longer holds a recorded packet.</exception>
    public static ExtractResult Run(ExtractRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        string selector = FlowPredicate(request);
        using QuerySession session = QuerySession.Open(request.OutputDirectory);
        if (session.Catalog.FlowFiles.Count == 0 || session.Catalog.PacketFiles.Count == 0)
        {
            throw new QueryException($"{session.Catalog.OutputDirectory} has no committed flows and packets to extract from");
        }
        long flows = SelectFlows(session, selector);
        if (flows == 0)
        {
            throw new QueryException($"no flow matches {Describe(request)}");
        }
        List<StoredPacket> packets = FindPackets(session);
        var locator = new CaptureLocator(session.Catalog.OutputDirectory, request.InputRoot);
        using var writer = new ExtractWriter(request.Destination, request.PcapNg);
        writer.Write(packets, locator.Resolve);
        return new ExtractResult(flows, packets.Count, writer.Captures, writer.IsPcapNg, writer.Bytes);
    }

    /// <summary>The SQL predicate on <c>flows</c> for the request's selector and time window.</summary>
    public static string FlowPredicate(ExtractRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        int selectors = (request.FlowId is null ? 0 : 1) + (request.CommunityId is null ? 0 : 1) + (request.Where is null ? 0 : 1);
        if (selectors != 1)
        {
            throw new ArgumentException("give exactly one of --flow, --community-id or --where");
        }
        var sql = new StringBuilder();
        if (request.FlowId is not null)
        {
            sql.Append("flowId = ");
            QuerySession.AppendLiteral(sql, request.FlowId);
        }
        else if (request.CommunityId is not null)
        {
            sql.Append("communityId = ");
            QuerySession.AppendLiteral(sql, request.CommunityId);
        }
        else
        {
            sql.Append('(').Append(request.Where).Append("\n)");
        }
        // Flows partition by their first packet; a record lasts at most the active timeout (30 min by default),
        // so a day before --from is a safe lower bound for pruning.
        if (request.From is DateTime from)
        {
            sql.Append(CultureInfo.InvariantCulture, $" AND lastSeenNanos >= {Nanos(from)} AND date >= DATE '{from.AddDays(-1):yyyy-MM-dd}'");
        }
        if (request.To is DateTime to)
        {
            sql.Append(CultureInfo.InvariantCulture, $" AND firstSeenNanos <= {Nanos(to)} AND date <= DATE '{to:yyyy-MM-dd}'");
        }
        return sql.ToString();
    }

    private static long SelectFlows(QuerySession session, string predicate)
    {
        // A temporary table lives in the in-memory database: allowed in the read-only session.
        using (DbDataReader create = session.Execute(
            "CREATE TEMP TABLE selected AS SELECT DISTINCT sensor, communityId, vlan, firstSeenNanos, lastSeenNanos FROM flows WHERE "
            + predicate))
        {
        }
        return Convert.ToInt64(session.Scalar("SELECT count(*) FROM selected"), CultureInfo.InvariantCulture);
    }

    internal static List<StoredPacket> FindPackets(QuerySession session)
    {
        using DbDataReader span = session.Execute("SELECT min(firstSeenNanos), max(lastSeenNanos) FROM selected");
        span.Read();
        DateTime first = FromNanos(span.GetInt64(0));
        DateTime last = FromNanos(span.GetInt64(1));
        span.Dispose();
        // Partition pruning: DuckDB drops whole files whose date/hour fall outside these bounds before reading them.
        string prune = string.Create(CultureInfo.InvariantCulture,
            $"p.date BETWEEN DATE '{first:yyyy-MM-dd}' AND DATE '{last:yyyy-MM-dd}' "
            + $"AND (p.date > DATE '{first:yyyy-MM-dd}' OR p.hour >= {first.Hour}) "
            + $"AND (p.date < DATE '{last:yyyy-MM-dd}' OR p.hour <= {last.Hour})");
        string sql = $"""
            SELECT DISTINCT p.file, p.fileOffset, p.timestampNanos, p.capturedLength, p.length, p.linkType, p.frameNumber
            FROM packets p JOIN selected f
              ON p.sensor = f.sensor AND p.communityId = f.communityId AND p.vlan IS NOT DISTINCT FROM f.vlan
             AND p.timestampNanos BETWEEN f.firstSeenNanos AND f.lastSeenNanos
            WHERE {prune}
            ORDER BY p.timestampNanos, p.file, p.fileOffset
            """;
        var packets = new List<StoredPacket>();
        using DbDataReader reader = session.Execute(sql);
        while (reader.Read())
        {
            packets.Add(new StoredPacket(reader.GetString(0), reader.GetInt64(1), reader.GetInt64(2),
                Convert.ToInt32(reader.GetValue(3), CultureInfo.InvariantCulture), Convert.ToInt32(reader.GetValue(4), CultureInfo.InvariantCulture),
                Convert.ToInt32(reader.GetValue(5), CultureInfo.InvariantCulture), Convert.ToInt64(reader.GetValue(6), CultureInfo.InvariantCulture)));
        }
        return packets;
    }

    private static string Describe(ExtractRequest r) =>
        r.FlowId is not null ? $"flowId '{r.FlowId}'"
        : r.CommunityId is not null ? $"community ID '{r.CommunityId}'"
        : $"--where \"{r.Where}\"";

    private static long Nanos(DateTime t) => (DateTime.SpecifyKind(t, DateTimeKind.Utc) - DateTime.UnixEpoch).Ticks * 100;

    private static DateTime FromNanos(long nanos) => DateTime.UnixEpoch.AddTicks(nanos / 100);
}
