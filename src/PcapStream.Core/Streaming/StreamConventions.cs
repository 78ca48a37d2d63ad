using System.Text;

namespace PcapStream.Streaming;

/// <summary>
/// <c>_pcapstream/streams</c>: what the job has learned about its capture streams and must not forget across a
/// restart. Today one fact: which streams write hidden-until-renamed files. Auto completion learns it when a poll
/// sees a hidden name; a restarted job that forgot it would treat such a stream as newest-in-stream and hold back
/// its newest (already complete) visible file for the idle time whenever no hidden file happens to be present
/// (capture stopped, or between a rename and the next file's creation). Written like the metadata logs: version line,
/// JSON, temporary name, fsync, rename, folder fsync; it only ever grows.
/// </summary>
internal sealed class StreamConventions
{
    /// <summary>The file's JSON payload.</summary>
    internal sealed record Record
    {
        /// <summary>Streams that have shown hidden (in-progress) file names, sorted.</summary>
        public List<string> RenameStreams { get; init; } = [];
    }

    private readonly string _path;
    private readonly SortedSet<string> _renameStreams = new(StringComparer.Ordinal);

    private StreamConventions(string path) => _path = path;

    /// <summary>Streams known to use hidden-until-renamed names.</summary>
    public IReadOnlySet<string> RenameStreams => _renameStreams;

    /// <summary>Reads <c>META/streams</c> (an empty record when it does not exist).</summary>
    /// <exception cref="InvalidDataException">The file is not a version-1 record.</exception>
    public static StreamConventions Load(string metaDirectory)
    {
        var conventions = new StreamConventions(Path.Combine(metaDirectory, "streams"));
        if (!File.Exists(conventions._path))
        {
            return conventions;
        }
        string text = File.ReadAllText(conventions._path, Encoding.UTF8);
        string head = MetadataLog.Version + "\n";
        if (!text.StartsWith(head, StringComparison.Ordinal))
        {
            throw new InvalidDataException($"{conventions._path}: not a PcapStream metadata file of version {MetadataLog.Version}.");
        }
        Record record = MetadataJson.Read<Record>(text[head.Length..], conventions._path);
        conventions._renameStreams.UnionWith(record.RenameStreams);
        return conventions;
    }

    /// <summary>Records that <paramref name="stream"/> uses hidden names; writes the file when that is news.</summary>
    public void AddRenameStream(string stream)
    {
        if (_renameStreams.Add(stream))
        {
            Save();
        }
    }

    private void Save()
    {
        string directory = Path.GetDirectoryName(_path)!;
        string temp = Path.Combine(directory, ".streams.tmp");
        byte[] payload = Encoding.UTF8.GetBytes(MetadataLog.Version + "\n" + MetadataJson.Write(new Record { RenameStreams = [.. _renameStreams] }));
        try
        {
            using (var stream = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None))
            {
                stream.Write(payload);
                stream.Flush(flushToDisk: true);
            }
            File.Move(temp, _path, overwrite: true);
            DirectorySync.Flush(directory);
        }
        catch
        {
            File.Delete(temp);
            throw;
        }
    }
}
