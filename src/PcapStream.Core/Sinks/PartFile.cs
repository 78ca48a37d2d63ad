using Parquet;
using Parquet.Schema;
using PcapStream.Streaming;

namespace PcapStream.Sinks;

/// <summary>
/// One Parquet file being written: under a hidden temporary name in its partition folder, fsynced and renamed to
/// its final name by <see cref="CompleteAsync"/>, so a reader never sees a partial file.
/// </summary>
internal sealed class PartFile : IAsyncDisposable
{
    private readonly FileStream _stream;
    private readonly string _tempPath;
    private bool _completed;
    private bool _writerClosed; // the footer is written once, even when completing failed half-way

    private readonly HashSet<string> _timestampColumns;

    private PartFile(FileStream stream, ParquetWriter writer, string tempPath, string finalPath, HashSet<string> timestampColumns)
    {
        _timestampColumns = timestampColumns;
        _stream = stream;
        Writer = writer;
        _tempPath = tempPath;
        FinalPath = finalPath;
    }

    /// <summary>The Parquet writer; add row groups to it.</summary>
    public ParquetWriter Writer { get; }

    /// <summary>Where the file will be once complete.</summary>
    public string FinalPath { get; }

    /// <summary>Creates the partition folder and the temporary file.</summary>
    public static async Task<PartFile> CreateAsync(string directory, string name, ParquetSchema schema, ParquetOptions options, CancellationToken cancel)
    {
        CreateDurably(directory);
        string temp = Path.Combine(directory, "." + name + ".tmp");
        var stream = new FileStream(temp, FileMode.Create, FileAccess.ReadWrite, FileShare.None, 1 << 20);
        try
        {
            ParquetWriter writer = await ParquetWriter.CreateAsync(schema, stream, options, append: false, cancel);
            var timestamps = new HashSet<string>(StringComparer.Ordinal);
            foreach (DataField field in schema.DataFields)
            {
                if (field is DateTimeDataField)
                {
                    timestamps.Add(field.Name);
                }
            }
            return new PartFile(stream, writer, temp, Path.Combine(directory, name), timestamps);
        }
        catch
        {
            await stream.DisposeAsync();
            File.Delete(temp);
            throw;
        }
    }

    /// <summary>Finishes the file (footer), flushes it to disk and renames it to its final name (replacing one left by an earlier attempt).</summary>
    public async Task CompleteAsync()
    {
        if (_timestampColumns.Count > 0)
        {
            TimestampStatistics.Fix(Writer, _timestampColumns);
        }
        _writerClosed = true;
        await Writer.DisposeAsync();
        _stream.Flush(flushToDisk: true);
        await _stream.DisposeAsync();
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
    public async ValueTask DisposeAsync()
    {
        if (_completed)
        {
            return;
        }
        if (!_writerClosed)
        {
            _writerClosed = true;
            try
            {
                await Writer.DisposeAsync();
            }
            catch (IOException)
            {
                // Disk full while writing the footer of a file we are throwing away anyway.
            }
        }
        await _stream.DisposeAsync();
        File.Delete(_tempPath);
    }
}
