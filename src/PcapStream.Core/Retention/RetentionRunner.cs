using System.Globalization;
using PcapStream.Sinks;

namespace PcapStream.Retention;

/// <summary>
/// Applies retention to a capture tree and to dataset partitions. Captures: visible capture files (.pcap,
/// .pcapng, .cap, optionally .gz) by last-write time; never one an uncommitted batch took, and by default never
/// one no batch has taken yet. Datasets: whole <c>date=/hour=</c> partitions of every dataset under OUT, never
/// one holding a file of an uncommitted batch or a write in progress. Empty folders left behind are removed.
/// </summary>
public static class RetentionRunner
{
    private static readonly string[] CaptureExtensions = [".pcap", ".pcapng", ".cap", ".pcap.gz", ".pcapng.gz"];

    /// <summary>Lists the capture files under <paramref name="captureRoot"/> with what protects each.</summary>
    /// <param name="captureRoot">The capture tree (run's input).</param>
    /// <param name="outputRoot">The dataset root whose batch log says what was taken; null: nothing is known.</param>
    /// <param name="deleteUnprocessed">Allow deleting files no batch has taken.</param>
    public static List<RetentionItem> CaptureItems(string captureRoot, string? outputRoot, bool deleteUnprocessed)
    {
        string root = Path.GetFullPath(captureRoot);
        BatchLog? log = outputRoot is null ? null : BatchLog.Read(outputRoot);
        var items = new List<RetentionItem>();
        if (!Directory.Exists(root))
        {
            return items;
        }
        foreach (string path in Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories))
        {
            string rel = Path.GetRelativePath(root, path);
            if (IsHidden(rel) || !IsCaptureName(path))
            {
                continue;
            }
            var info = new FileInfo(path);
            string? keep = null;
            if (log is { Unreadable: true })
            {
                keep = "a batch manifest is unreadable (" + log.UnreadableReason + ")";
            }
            else if (log is not null && log.IsNeeded(path))
            {
                keep = "an uncommitted batch still needs it";
            }
            else if (!deleteUnprocessed && (log is null || !log.WasTaken(path)))
            {
                keep = log is null ? "no dataset given to check it was processed" : "not processed yet";
            }
            items.Add(new RetentionItem(path, info.Length, info.LastWriteTimeUtc, keep));
        }
        return items;
    }

    /// <summary>Lists the hour partitions (or day partitions without hours) of every dataset under OUT.</summary>
    public static List<RetentionItem> DatasetItems(string outputRoot)
    {
        var items = new List<RetentionItem>();
        if (!Directory.Exists(outputRoot))
        {
            return items;
        }
        BatchLog log = BatchLog.Read(outputRoot);
        foreach (string dataset in Directory.EnumerateDirectories(outputRoot))
        {
            string name = Path.GetFileName(dataset);
            if (name.StartsWith('_') || name.StartsWith('.'))
            {
                continue;
            }
            foreach (string dateDir in Directory.EnumerateDirectories(dataset, "date=*"))
            {
                if (!DateTime.TryParseExact(Path.GetFileName(dateDir)[5..], "yyyy-MM-dd", CultureInfo.InvariantCulture,
                        DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out DateTime day))
                {
                    continue;
                }
                bool hasHours = false;
                foreach (string hourDir in Directory.EnumerateDirectories(dateDir, "hour=*"))
                {
                    if (int.TryParse(Path.GetFileName(hourDir)[5..], NumberStyles.None, CultureInfo.InvariantCulture, out int hour) && hour is >= 0 and < 24)
                    {
                        hasHours = true;
                        items.Add(Partition(hourDir, day.AddHours(hour + 1), log));
                    }
                }
                if (!hasHours)
                {
                    items.Add(Partition(dateDir, day.AddDays(1), log));
                }
            }
        }
        return items;
    }

    /// <summary>Deletes what <paramref name="plan"/> says (unless <paramref name="dryRun"/>) and removes emptied folders up to <paramref name="root"/>.</summary>
    /// <returns>Number of items deleted.</returns>
    public static int Apply(RetentionPlan plan, string root, bool dryRun)
    {
        if (dryRun)
        {
            return 0;
        }
        int n = 0;
        string stop = Path.GetFullPath(root).TrimEnd('/');
        foreach (RetentionItem item in plan.Delete)
        {
            try
            {
                if (Directory.Exists(item.Path))
                {
                    Directory.Delete(item.Path, recursive: true);
                }
                else
                {
                    File.Delete(item.Path);
                }
                n++;
            }
            catch (DirectoryNotFoundException)
            {
                continue; // gone already (another pass, an operator)
            }
            for (string? dir = Path.GetDirectoryName(item.Path); dir is not null && dir.Length > stop.Length && dir.StartsWith(stop, StringComparison.Ordinal); dir = Path.GetDirectoryName(dir))
            {
                if (Directory.EnumerateFileSystemEntries(dir).Any())
                {
                    break;
                }
                Directory.Delete(dir);
            }
        }
        return n;
    }

    private static RetentionItem Partition(string dir, DateTime end, BatchLog log)
    {
        long bytes = 0;
        string? keep = null;
        foreach (string f in Directory.EnumerateFiles(dir, "*", SearchOption.AllDirectories))
        {
            bytes += new FileInfo(f).Length;
            string name = Path.GetFileName(f);
            if (name.StartsWith('.') || name.EndsWith(".tmp", StringComparison.Ordinal))
            {
                keep ??= "a file is being written in it";
            }
            else if (DatasetLayout.TryParseBatch(name, out long batch) && log.IsUncommittedPart(batch))
            {
                keep ??= $"uncommitted batch {batch} wrote to it";
            }
        }
        return new RetentionItem(dir, bytes, end, keep);
    }

    private static bool IsHidden(string relativePath)
    {
        foreach (string segment in relativePath.Split('/'))
        {
            if (segment.StartsWith('.'))
            {
                return true;
            }
        }
        return false;
    }

    private static bool IsCaptureName(string path)
    {
        foreach (string ext in CaptureExtensions)
        {
            if (path.EndsWith(ext, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }
        return false;
    }
}
