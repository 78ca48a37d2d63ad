using System.Globalization;
using System.Text.Json;

namespace PcapStream.Query;

/// <summary>
/// Finds the capture file behind a <c>file</c> value (a path under the input root). With an explicit input root
/// (<c>--input-root</c>: the captures were moved or are mounted elsewhere) it is simply joined to it. Otherwise the
/// streaming job's source log says where each file was when it was taken: <c>_pcapstream/sources/N</c> lists every
/// file of batch N with its absolute <c>path</c> and its <c>relative</c> name (and, when recorded, the
/// <c>inputRoot</c> of the entry or the file). The log is read newest batch first, only as far as needed.
/// </summary>
internal sealed class CaptureLocator
{
    private readonly string? _inputRoot;
    private readonly string _sources;
    private readonly Dictionary<string, string> _found = new(StringComparer.Ordinal);
    private List<long>? _unread;

    /// <param name="outputDirectory">The output directory (holding <c>_pcapstream/sources</c>).</param>
    /// <param name="inputRoot">Override: the folder the <c>file</c> values are relative to; null to use the log.</param>
    public CaptureLocator(string outputDirectory, string? inputRoot)
    {
        _inputRoot = inputRoot is null ? null : Path.GetFullPath(inputRoot);
        _sources = Path.Combine(outputDirectory, "_pcapstream", "sources");
    }

    /// <summary>Absolute path of the capture the datasets call <paramref name="file"/>.</summary>
    /// <exception cref="CaptureChangedException">The source log does not know the file (and no input root was given).</exception>
    public string Resolve(string file)
    {
        if (Path.IsPathRooted(file))
        {
            return file;
        }
        if (_inputRoot is not null)
        {
            return Path.Combine(_inputRoot, file);
        }
        if (_found.TryGetValue(file, out string? path))
        {
            return path;
        }
        _unread ??= Batches();
        while (_unread.Count > 0)
        {
            long batch = _unread[^1];
            _unread.RemoveAt(_unread.Count - 1);
            ReadEntry(Path.Combine(_sources, batch.ToString(CultureInfo.InvariantCulture)));
            if (_found.TryGetValue(file, out path))
            {
                return path;
            }
        }
        throw new CaptureChangedException(file,
            $"the source log of the output does not say where capture '{file}' was read from: give --input-root DIR (the folder its path is relative to)");
    }

    private List<long> Batches()
    {
        var batches = new List<long>();
        if (Directory.Exists(_sources))
        {
            foreach (string path in Directory.EnumerateFiles(_sources))
            {
                if (long.TryParse(Path.GetFileName(path), NumberStyles.None, CultureInfo.InvariantCulture, out long id))
                {
                    batches.Add(id);
                }
            }
        }
        batches.Sort();
        return batches;
    }

    /// <summary>Adds the files of one source entry (a version line, then JSON); an unreadable entry adds nothing.</summary>
    private void ReadEntry(string path)
    {
        try
        {
            string text = File.ReadAllText(path);
            int json = text.IndexOf('{', StringComparison.Ordinal);
            if (json < 0)
            {
                return;
            }
            using var doc = JsonDocument.Parse(text.AsMemory(json));
            string? entryRoot = String(doc.RootElement, "inputRoot");
            if (!doc.RootElement.TryGetProperty("files", out JsonElement files) || files.ValueKind != JsonValueKind.Array)
            {
                return;
            }
            foreach (JsonElement f in files.EnumerateArray())
            {
                string? relative = String(f, "relative");
                if (relative is null || _found.ContainsKey(relative))
                {
                    continue; // a newer batch's entry wins
                }
                string? root = String(f, "inputRoot") ?? entryRoot;
                string? absolute = String(f, "path") ?? (root is null ? null : Path.Combine(root, relative));
                if (absolute is not null)
                {
                    _found.Add(relative, absolute);
                }
            }
        }
        catch (Exception e) when (e is JsonException or IOException or UnauthorizedAccessException)
        {
            // A log written by another version, or unreadable: the user can still give --input-root.
        }
    }

    private static string? String(JsonElement e, string name) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out JsonElement v) && v.ValueKind == JsonValueKind.String
            ? v.GetString() : null;
}
