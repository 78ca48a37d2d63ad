using System.Globalization;
using System.Text;

namespace PcapStream.Streaming;

/// <summary>
/// One metadata file per batch id in a folder (Spark's HDFSMetadataLog): written to a hidden temporary file,
/// fsynced, then renamed into place, so a file either exists complete or not at all. Every file starts with a
/// version line (<c>v1</c>); the payload follows. <c>TryAdd</c> returns false when the batch already exists.
/// </summary>
public sealed class MetadataLog
{
    /// <summary>The version line written first.</summary>
    public const string Version = "v1";

    /// <param name="directory">The log's folder (created when missing).</param>
    public MetadataLog(string directory)
    {
        Directory = directory;
        System.IO.Directory.CreateDirectory(directory);
    }

    /// <summary>The log's folder.</summary>
    public string Directory { get; }

    /// <summary>
    /// Path of a batch's file: the batch id without padding (<c>commits/7</c>); part files carry it padded to 8
    /// digits (<c>part-00000007-00001.parquet</c>), and readers compare the two as numbers.
    /// </summary>
    public string PathOf(long batch) => System.IO.Path.Combine(Directory, batch.ToString(CultureInfo.InvariantCulture));

    /// <summary>True when the batch's file exists.</summary>
    public bool Contains(long batch) => File.Exists(PathOf(batch));

    /// <summary>
    /// Writes the batch's file (version line, then what <paramref name="write"/> writes). Returns false, writing
    /// nothing, when the batch is already in the log.
    /// </summary>
    public bool TryAdd(long batch, Action<Stream> write)
    {
        string final = PathOf(batch);
        if (File.Exists(final))
        {
            return false;
        }
        string temp = System.IO.Path.Combine(Directory, "." + System.IO.Path.GetFileName(final) + ".tmp");
        try
        {
            using (var stream = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16))
            {
                stream.Write(Encoding.ASCII.GetBytes(Version + "\n"));
                write(stream);
                stream.Flush(flushToDisk: true);
            }
            File.Move(temp, final, overwrite: false);
            // A rename is durable only once its folder is flushed: a commit must not vanish after a power loss.
            DirectorySync.Flush(Directory);
            return true;
        }
        catch
        {
            File.Delete(temp);
            throw;
        }
    }

    /// <summary>Writes a batch's file holding <paramref name="json"/>; false when it already exists.</summary>
    public bool TryAdd(long batch, string json) => TryAdd(batch, s => s.Write(Encoding.UTF8.GetBytes(json)));

    /// <summary>Opens a batch's file positioned after the version line, or null when it does not exist.</summary>
    /// <exception cref="InvalidDataException">The file has an unknown version.</exception>
    public Stream? Open(long batch)
    {
        string path = PathOf(batch);
        if (!File.Exists(path))
        {
            return null;
        }
        var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        Span<byte> head = stackalloc byte[3];
        if (stream.Read(head) != 3 || head[0] != (byte)'v' || head[1] != (byte)'1' || head[2] != (byte)'\n')
        {
            stream.Dispose();
            throw new InvalidDataException($"{path}: not a PcapStream metadata file of version {Version}.");
        }
        return stream;
    }

    /// <summary>Reads a batch's payload as text, or null when it does not exist.</summary>
    public string? ReadText(long batch)
    {
        using Stream? stream = Open(batch);
        if (stream is null)
        {
            return null;
        }
        using var reader = new StreamReader(stream, Encoding.UTF8);
        return reader.ReadToEnd();
    }

    /// <summary>Batch ids in the log, ascending.</summary>
    public List<long> Batches()
    {
        var ids = new List<long>();
        foreach (string path in System.IO.Directory.EnumerateFiles(Directory))
        {
            if (long.TryParse(System.IO.Path.GetFileName(path), NumberStyles.None, CultureInfo.InvariantCulture, out long id))
            {
                ids.Add(id);
            }
        }
        ids.Sort();
        return ids;
    }

    /// <summary>The highest batch id, or -1 when the log is empty.</summary>
    public long Latest()
    {
        List<long> ids = Batches();
        return ids.Count == 0 ? -1 : ids[^1];
    }

    /// <summary>Removes batches above <paramref name="batch"/> and leftover temporary files (an aborted write).</summary>
    public void TruncateAfter(long batch)
    {
        foreach (string path in System.IO.Directory.EnumerateFiles(Directory))
        {
            string name = System.IO.Path.GetFileName(path);
            if (name.EndsWith(".tmp", StringComparison.Ordinal) ||
                (long.TryParse(name, NumberStyles.None, CultureInfo.InvariantCulture, out long id) && id > batch))
            {
                File.Delete(path);
            }
        }
    }
}
