using System.Globalization;

namespace PcapStream.Sinks;

/// <summary>
/// Where the datasets live (DESIGN.md "Output layout"): OUT/&lt;dataset&gt;/date=YYYY-MM-DD/hour=HH/part-&lt;batch&gt;-&lt;n&gt;.parquet.
/// Names are deterministic (batch id and the file's or stream's index in the batch), so a replayed batch writes
/// the same names and replaces, never adds. Files in progress are hidden (<c>.part-...parquet.tmp</c>), which
/// every Hive-style reader and a <c>*.parquet</c> glob skip.
/// </summary>
public static class DatasetLayout
{
    /// <summary>The per-packet dataset's folder name.</summary>
    public const string Packets = "packets";

    /// <summary>The per-flow dataset's folder name.</summary>
    public const string Flows = "flows";

    private const long NanosPerHour = 3_600_000_000_000L;

    /// <summary>Hour bucket (hours since the epoch, UTC) of a time in ns since the epoch.</summary>
    public static long HourOf(long timestampNanos) => Math.DivRem(timestampNanos, NanosPerHour, out long rem) - (rem < 0 ? 1 : 0);

    /// <summary>OUT/&lt;dataset&gt;/date=YYYY-MM-DD/hour=HH for an hour bucket.</summary>
    public static string PartitionDirectory(string output, string dataset, long hour)
    {
        DateTime t = DateTime.UnixEpoch.AddHours(hour);
        return Path.Combine(output, dataset,
            "date=" + t.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
            "hour=" + t.ToString("HH", CultureInfo.InvariantCulture));
    }

    /// <summary>File name of part <paramref name="n"/> of batch <paramref name="batch"/>.</summary>
    public static string PartName(long batch, int n) =>
        string.Create(CultureInfo.InvariantCulture, $"part-{batch:D8}-{n:D5}.parquet");

    /// <summary>Prefix shared by every part of a batch (finished or in progress).</summary>
    public static string BatchPrefix(long batch) => string.Create(CultureInfo.InvariantCulture, $"part-{batch:D8}-");

    /// <summary>
    /// Deletes every part (finished or temporary) of the given batch from both datasets: a replayed or abandoned
    /// batch's earlier outputs are replaced, never added to. Returns the number of files removed.
    /// </summary>
    public static int DeleteBatchOutputs(string output, long batch) => DeleteParts(output, name => IsPartOf(name, BatchPrefix(batch)));

    /// <summary>Deletes every part whose batch id is above <paramref name="lastCommitted"/>, and every leftover temporary file.</summary>
    public static int DeleteUncommitted(string output, long lastCommitted) => DeleteParts(output, name =>
    {
        if (name.EndsWith(".tmp", StringComparison.Ordinal))
        {
            return true;
        }
        return TryParseBatch(name, out long batch) && batch > lastCommitted;
    });

    /// <summary>Reads the batch id out of a part file name (finished or temporary).</summary>
    public static bool TryParseBatch(string fileName, out long batch)
    {
        ReadOnlySpan<char> name = fileName.AsSpan().TrimStart('.');
        batch = 0;
        return name.StartsWith("part-") && name.Length > 13 && name[13] == '-' &&
            long.TryParse(name.Slice(5, 8), NumberStyles.None, CultureInfo.InvariantCulture, out batch);
    }

    private static bool IsPartOf(string name, string prefix) =>
        name.StartsWith(prefix, StringComparison.Ordinal) || (name.StartsWith('.') && name.AsSpan(1).StartsWith(prefix, StringComparison.Ordinal));

    private static int DeleteParts(string output, Func<string, bool> match)
    {
        int removed = 0;
        foreach (string dataset in new[] { Packets, Flows })
        {
            string root = Path.Combine(output, dataset);
            if (!Directory.Exists(root))
            {
                continue;
            }
            foreach (string path in Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories))
            {
                if (match(Path.GetFileName(path)))
                {
                    File.Delete(path);
                    removed++;
                }
            }
        }
        return removed;
    }
}
