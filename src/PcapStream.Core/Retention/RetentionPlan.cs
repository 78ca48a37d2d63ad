namespace PcapStream.Retention;

/// <summary>A limit on a set of files or partitions: by age, by total size, or both (0 = no limit of that kind).</summary>
/// <param name="KeepDays">Items older than this many days go; 0 keeps them whatever their age.</param>
/// <param name="KeepBytes">Oldest items go while the total exceeds this; 0 = no cap.</param>
public readonly record struct RetentionPolicy(double KeepDays, long KeepBytes)
{
    /// <summary>True when the policy limits nothing.</summary>
    public bool IsEmpty => KeepDays <= 0 && KeepBytes <= 0;

    /// <summary>From the settings' gigabytes (10^9 bytes).</summary>
    public static RetentionPolicy FromDaysAndGigabytes(double days, double gigabytes) =>
        new(days, (long)(gigabytes * 1e9));
}

/// <summary>One deletable unit: a capture file, or a dataset hour partition.</summary>
/// <param name="Path">Full path.</param>
/// <param name="Bytes">Size (a partition: the sum of its files).</param>
/// <param name="Time">When its data ends (capture: last write; partition: end of its hour), UTC.</param>
/// <param name="KeepReason">Non-null when it must not be deleted, with why (shown in the report).</param>
public sealed record RetentionItem(string Path, long Bytes, DateTime Time, string? KeepReason = null);

/// <summary>The decision of one pass: what goes, and what should have gone but is protected.</summary>
public sealed class RetentionPlan
{
    /// <summary>Items to delete, oldest first.</summary>
    public List<RetentionItem> Delete { get; } = [];

    /// <summary>Items the policy wanted gone but that are protected (with their reason).</summary>
    public List<RetentionItem> Protected { get; } = [];

    /// <summary>Total bytes of all items before the pass.</summary>
    public long TotalBytes { get; private set; }

    /// <summary>Bytes that remain after the deletions.</summary>
    public long RemainingBytes => TotalBytes - DeletedBytes;

    /// <summary>Bytes the deletions free.</summary>
    public long DeletedBytes { get; private set; }

    /// <summary>
    /// Decides, as a pure function of the items, the policy and the clock: first everything older than the age
    /// limit, then the oldest remaining while over the size cap. Protected items are never chosen; when they
    /// keep the total over the cap, the plan says so (<see cref="Protected"/>) rather than deleting newer data
    /// out of order. The newest item is never deleted by the size cap (it may still be being read).
    /// </summary>
    public static RetentionPlan Decide(IReadOnlyList<RetentionItem> items, RetentionPolicy policy, DateTime nowUtc)
    {
        var plan = new RetentionPlan();
        var sorted = new List<RetentionItem>(items);
        sorted.Sort((a, b) => a.Time != b.Time ? a.Time.CompareTo(b.Time) : string.CompareOrdinal(a.Path, b.Path));
        long total = 0;
        foreach (RetentionItem i in sorted)
        {
            total += i.Bytes;
        }
        plan.TotalBytes = total;
        if (policy.IsEmpty)
        {
            return plan;
        }
        DateTime cutoff = policy.KeepDays > 0 ? nowUtc - TimeSpan.FromDays(policy.KeepDays) : DateTime.MinValue;
        long remaining = total;
        for (int k = 0; k < sorted.Count; k++)
        {
            RetentionItem i = sorted[k];
            bool tooOld = i.Time < cutoff;
            bool overCap = policy.KeepBytes > 0 && remaining > policy.KeepBytes && k < sorted.Count - 1;
            if (!tooOld && !overCap)
            {
                break; // sorted by time: nothing later is older, and the cap already holds
            }
            if (i.KeepReason is not null)
            {
                plan.Protected.Add(i);
                continue;
            }
            plan.Delete.Add(i);
            remaining -= i.Bytes;
        }
        plan.DeletedBytes = total - remaining;
        return plan;
    }
}
