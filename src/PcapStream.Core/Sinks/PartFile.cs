using PcapStream.Output;
using PcapStream.Sinks.Parquet;
using PcapStream.Streaming;

namespace PcapStream.Sinks;

/// <summary>
/// One Parquet file being written: under a hidden temporary name in its partition folder, fsynced and renamed to
/// its final name by <see cref="Complete"/>, so a reader never sees a partial file.
/// </summary>
internal sealed class PartFile : IDisposable
{
    private readonly FileStream _stream;
    private readonly string _tempPath;
    private bool _completed;

    private PartFile(FileStream stream, ParquetFileWriter writer, string tempPath, string finalPath)
    {
        _stream = stream;
        Writer = writer;
        _tempPath = tempPath;
        FinalPath = finalPath;
    }

    /// <summary>The Parquet writer; add row groups to it.</summary>
    public ParquetFileWriter Writer { get; }

    /// <summary>Where the file will be once complete.</summary>
    public string FinalPath { get; }

    /// <summary>Creates the partition folder and the temporary file.</summary>
    public static PartFile Create(string directory, string name, IReadOnlyList<ColumnDefinition> columns, SinkOptions options)
    {
        CreateDurably(directory);
        string temp = Path.Combine(directory, "." + name + ".tmp");
        var stream = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20);
        try
        {
            return new PartFile(stream, new ParquetFileWriter(stream, columns, options.Codec, options.PageBytes), temp, Path.Combine(directory, name));
        }
        catch
        {
            stream.Dispose();
            File.Delete(temp);
            throw;
        }
    }

    /// <summary>Finishes the file (footer), flushes it to disk and renames it to its final name (replacing one left by an earlier attempt).</summary>
    public void Complete()
    {
        Writer.Complete();
        Writer.Dispose();
        _stream.Flush(flushToDisk: true);
        _stream.Dispose();
        FaultInjection.Pause("part-rename");
        File.Move(_tempPath, FinalPath, overwrite: true);
        // The rename is durable only once the folder is flushed; the commit that lists this file comes later.
        DirectorySync.Flush(Path.GetDirectoryName(FinalPath)!);
        _completed = true;
    }

    // Creates the partition folders, flushing the parent of each new one, so the part file's path survives a
    // power loss as well as its bytes.
    private static void CreateDurably(string directory)
    {
        if (Directory.Exists(directory))
        {
            return;
        }
        string? parent = Path.GetDirectoryName(directory);
        if (parent is not null)
        {
            CreateDurably(parent);
        }
        Directory.CreateDirectory(directory);
        if (parent is not null)
        {
            DirectorySync.Flush(parent);
        }
    }

    /// <summary>Abandons an unfinished file: its temporary is removed.</summary>
    public void Dispose()
    {
        if (_completed)
        {
            return;
        }
        Writer.Dispose();
        try
        {
            _stream.Dispose();
        }
        catch (IOException)
        {
            // Disk full while flushing the buffered tail of a file we are throwing away anyway.
        }
        File.Delete(_tempPath);
    }
}
