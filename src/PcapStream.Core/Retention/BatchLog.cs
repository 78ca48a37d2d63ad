using System.Text.Json;
using PcapStream.Streaming;

namespace PcapStream.Retention;

/// <summary>
/// What the job's commit protocol says about capture files and part files (DESIGN.md "Exactly once"), read with
/// the job's own types: <c>OUT/_pcapstream/sources/N</c> (<see cref="SourceEntry"/>: the files batch N took) and
/// <c>OUT/_pcapstream/commits/N</c> (its commit), both through <see cref="MetadataLog"/> (version line, then
/// JSON). A batch with a source entry and no commit will be replayed from its files at the job's next start, and
/// its part files (batch id above the last commit) will be replaced, so retention must keep both. A manifest
/// that cannot be read fails safe: it protects the whole capture tree.
/// </summary>
public sealed class BatchLog
{
    private readonly HashSet<string> _pending = new(StringComparer.Ordinal);
    private readonly HashSet<string> _taken = new(StringComparer.Ordinal);
    private readonly List<long> _uncommitted = [];

    /// <summary>True when some manifest could not be read: nothing may be deleted from the capture tree.</summary>
    public bool Unreadable { get; private set; }

    /// <summary>Why <see cref="Unreadable"/> is set.</summary>
    public string? UnreadableReason { get; private set; }

    /// <summary>The highest committed batch id, -1 when none is.</summary>
    public long LastCommitted { get; private set; } = -1;

    /// <summary>Batch ids with a source entry and no commit, ascending.</summary>
    public IReadOnlyList<long> UncommittedBatches => _uncommitted;

    /// <summary>Reads <c>OUT/_pcapstream</c> (nothing there: an empty log). Creates nothing.</summary>
    public static BatchLog Read(string outputRoot)
    {
        var log = new BatchLog();
        string meta = Path.Combine(outputRoot, "_pcapstream");
        string sourcesDir = Path.Combine(meta, "sources");
        if (!Directory.Exists(sourcesDir))
        {
            return log;
        }
        var sources = new MetadataLog(sourcesDir);
        string commitsDir = Path.Combine(meta, "commits");
        MetadataLog? commits = Directory.Exists(commitsDir) ? new MetadataLog(commitsDir) : null;
        log.LastCommitted = commits?.Latest() ?? -1;
        foreach (long batch in sources.Batches())
        {
            // The job commits in order and, at start, drops commits above a gap: committed means "at or below
            // the last commit and its commit file exists".
            bool committed = commits is not null && commits.Contains(batch);
            SourceEntry entry;
            try
            {
                string text = sources.ReadText(batch) ?? throw new FileNotFoundException(sources.PathOf(batch));
                entry = MetadataJson.Read<SourceEntry>(text, sources.PathOf(batch));
            }
            catch (FileNotFoundException) when (!File.Exists(sources.PathOf(batch)))
            {
                continue; // removed by the job's recovery meanwhile: that batch never started
            }
            catch (Exception e) when (e is JsonException or InvalidDataException or IOException or NotSupportedException)
            {
                log.Unreadable = true;
                log.UnreadableReason = $"cannot read {sources.PathOf(batch)}: {e.Message}";
                continue;
            }
            if (!committed)
            {
                log._uncommitted.Add(batch);
            }
            foreach (SourceFile f in entry.Files)
            {
                string full = Path.GetFullPath(f.Path);
                log._taken.Add(full);
                if (!committed)
                {
                    log._pending.Add(full);
                }
            }
            foreach (SkippedFile s in entry.Skipped)
            {
                // Given up on (unreadable): the job will never take it; it is as done with as a processed file.
                log._taken.Add(Path.GetFullPath(s.Path));
            }
        }
        return log;
    }

    /// <summary>True when an uncommitted batch took <paramref name="fullPath"/> (it will be replayed from it).</summary>
    public bool IsNeeded(string fullPath) => _pending.Contains(fullPath);

    /// <summary>True when some batch took <paramref name="fullPath"/> (it was, or is being, processed).</summary>
    public bool WasTaken(string fullPath) => _taken.Contains(fullPath);

    /// <summary>
    /// True when a part file of batch <paramref name="batch"/> is not covered by a commit: the job deletes and
    /// rewrites such parts when it replays (<see cref="Sinks.DatasetLayout.DeleteUncommitted"/>).
    /// </summary>
    public bool IsUncommittedPart(long batch) => batch > LastCommitted;
}
