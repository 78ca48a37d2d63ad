using System.Globalization;

namespace PcapStream.Capture;

/// <summary>
/// tcpdump's packet counters, as it prints them on stderr at exit (three or four lines) and on SIGUSR1 (one
/// line: <c>tcpdump: 12 packets captured, 30 packets received by filter, 0 packets dropped by kernel</c>).
/// -1 means "not reported".
/// </summary>
public readonly record struct TcpdumpStats(long Captured, long ReceivedByFilter, long DroppedByKernel, long DroppedByInterface)
{
    /// <summary>Nothing reported yet.</summary>
    public static TcpdumpStats None => new(-1, -1, -1, -1);

    /// <summary>True once at least the captured count has been seen.</summary>
    public bool IsKnown => Captured >= 0;

    /// <summary>Packets lost before tcpdump saw them (kernel + interface), 0 when not reported.</summary>
    public long Dropped => Math.Max(0, DroppedByKernel) + Math.Max(0, DroppedByInterface);

    /// <summary>
    /// Reads the counters in one stderr line into <paramref name="stats"/> (fields not in the line keep their value).
    /// Returns false when the line holds none (e.g. "listening on ..." or an error).
    /// </summary>
    public static bool TryParseLine(string line, ref TcpdumpStats stats)
    {
        bool any = false;
        // Clauses are comma-separated on the SIGUSR1 line and one per line at exit; read both the same way.
        string body = line.StartsWith("tcpdump: ", StringComparison.Ordinal) ? line[9..] : line;
        foreach (string clause in body.Split(','))
        {
            string c = clause.Trim();
            int space = c.IndexOf(' ', StringComparison.Ordinal);
            if (space <= 0 || !long.TryParse(c.AsSpan(0, space), NumberStyles.None, CultureInfo.InvariantCulture, out long n))
            {
                continue;
            }
            string what = c[(space + 1)..];
            if (what.StartsWith("packet", StringComparison.Ordinal))
            {
                what = what[(what.IndexOf(' ', StringComparison.Ordinal) + 1)..];
            }
            switch (what)
            {
                case "captured": stats = stats with { Captured = n }; any = true; break;
                case "received by filter": stats = stats with { ReceivedByFilter = n }; any = true; break;
                case "dropped by kernel": stats = stats with { DroppedByKernel = n }; any = true; break;
                case "dropped by interface": stats = stats with { DroppedByInterface = n }; any = true; break;
                default: break;
            }
        }
        return any;
    }

    /// <inheritdoc/>
    public override string ToString()
    {
        if (!IsKnown)
        {
            return "no counters reported";
        }
        string s = $"{Captured} packets captured, {Math.Max(0, ReceivedByFilter)} received by filter, {Math.Max(0, DroppedByKernel)} dropped by kernel";
        return DroppedByInterface > 0 ? s + $", {DroppedByInterface} dropped by interface" : s;
    }
}
