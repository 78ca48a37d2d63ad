using System.Text.Json;

namespace PcapStream.Retention;

/// <summary>
/// What the job's commit protocol says about capture files (DESIGN.md "Exactly once"): which batches are
/// committed, which are not yet, and the files each batch took (<c>OUT/_pcapstream/sources/&lt;batch&gt;</c>: a
/// version line, then JSON). A file an uncommitted batch took will be replayed from, so retention must keep it.
/// The JSON is read leniently (every string under a "path" or "file" key, or a top-level array of strings), so a
/// change of the manifest's layout fails safe: an unreadable manifest protects the whole capture tree.
/// </summary>
public sealed class BatchLog
{
    private readonly HashSet<string> _pending = new(StringComparer.Ordinal);
    private readonly HashSet<string> _taken = new(StringComparer.Ordinal);
    private readonly HashSet<string> _uncommittedBatches = new(StringComparer.Ordinal);

    /// <summary>True when some manifest could not be read: nothing may be deleted from the capture tree.</summary>
    public bool Unreadable { get; private set; }

    /// <summary>Why <see cref="Unreadable"/> is set.</summary>
    public string? UnreadableReason { get; private set; }

    /// <summary>Batch ids with a source entry and no commit.</summary>
    public IReadOnlySet<string> UncommittedBatches => _uncommittedBatches;

    /// <summary>Reads <c>OUT/_pcapstream</c>; paths in manifests are resolved against <paramref name="inputRoot"/>.</summary>
    public static BatchLog Read(string outputRoot, string inputRoot)
    {
        var log = new BatchLog();
        string sources = Path.Combine(outputRoot, "_pcapstream", "sources");
        string commits = Path.Combine(outputRoot, "_pcapstream", "commits");
        if (!Directory.Exists(sources))
        {
            return log;
        }
        foreach (string file in Directory.EnumerateFiles(sources))
        {
            string batch = Path.GetFileName(file);
            if (batch.StartsWith('.') || batch.EndsWith(".tmp", StringComparison.Ordinal))
            {
                continue; // a manifest being written: its batch has not started
            }
            bool committed = File.Exists(Path.Combine(commits, batch));
            List<string> paths;
            try
            {
                paths = ParseManifest(File.ReadAllText(file));
            }
            catch (Exception e) when (e is JsonException or IOException)
            {
                log.Unreadable = true;
                log.UnreadableReason = $"cannot read {file}: {e.Message}";
                continue;
            }
            if (!committed)
            {
                log._uncommittedBatches.Add(batch);
            }
            foreach (string p in paths)
            {
                string full = Path.GetFullPath(Path.IsPathRooted(p) ? p : Path.Combine(inputRoot, p));
                log._taken.Add(full);
                if (!committed)
                {
                    log._pending.Add(full);
                }
            }
        }
        return log;
    }

    /// <summary>True when an uncommitted batch took <paramref name="fullPath"/> (it will be replayed from it).</summary>
    public bool IsNeeded(string fullPath) => _pending.Contains(fullPath);

    /// <summary>True when some batch took <paramref name="fullPath"/> (it was, or is being, processed).</summary>
    public bool WasTaken(string fullPath) => _taken.Contains(fullPath);

    /// <summary>The file paths listed in one manifest (version line, then JSON).</summary>
    /// <exception cref="JsonException">The JSON part is not valid JSON.</exception>
    public static List<string> ParseManifest(string text)
    {
        int nl = text.IndexOf('\n', StringComparison.Ordinal);
        string json = text.TrimStart().StartsWith('v') && nl >= 0 ? text[(nl + 1)..] : text;
        var paths = new List<string>();
        foreach (string line in SplitJsonDocuments(json))
        {
            using JsonDocument doc = JsonDocument.Parse(line);
            Collect(doc.RootElement, paths, topLevel: true);
        }
        return paths;
    }

    /// <summary>Spark-style manifests hold one JSON document per line; a single (multi-line) document also works.</summary>
    private static List<string> SplitJsonDocuments(string json)
    {
        string trimmed = json.Trim();
        if (trimmed.Length == 0)
        {
            return [];
        }
        try
        {
            using JsonDocument _ = JsonDocument.Parse(trimmed);
            return [trimmed];
        }
        catch (JsonException)
        {
            return [.. trimmed.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)];
        }
    }

    private static void Collect(JsonElement e, List<string> paths, bool topLevel)
    {
        switch (e.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (JsonProperty p in e.EnumerateObject())
                {
                    if (p.Value.ValueKind == JsonValueKind.String && (p.NameEquals("path") || p.NameEquals("file")))
                    {
                        paths.Add(p.Value.GetString()!);
                    }
                    else
                    {
                        // "files": ["a.pcap", ...] lists paths as plain strings.
                        bool list = p.Value.ValueKind == JsonValueKind.Array && (p.NameEquals("files") || p.NameEquals("paths"));
                        Collect(p.Value, paths, topLevel: list);
                    }
                }
                break;
            case JsonValueKind.Array:
                foreach (JsonElement item in e.EnumerateArray())
                {
                    if (item.ValueKind == JsonValueKind.String && topLevel)
                    {
                        paths.Add(item.GetString()!);
                    }
                    else
                    {
                        Collect(item, paths, topLevel);
                    }
                }
                break;
            default:
                break;
        }
    }
}
