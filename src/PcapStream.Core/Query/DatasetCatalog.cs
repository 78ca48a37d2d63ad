using System.Globalization;

namespace PcapStream.Query;

/// <summary>
/// The committed files of an output directory (DESIGN.md "Output layout", "Exactly once"): a Parquet file
/// <c>part-&lt;batch&gt;-&lt;n&gt;.parquet</c> under <c>packets/</c> or <c>flows/</c> counts only when
/// <c>_pcapstream/commits/&lt;batch&gt;</c> exists. Leftovers of a batch that never committed (a crash between
/// the sinks and the commit) and files still being written under a temporary name are invisible, so a query never
/// sees a record twice or half a batch.
/// </summary>
public sealed class DatasetCatalog
{
    private DatasetCatalog(string output, IReadOnlyList<string> packets, IReadOnlyList<string> flows,
        IReadOnlySet<string> batches)
    {
        OutputDirectory = output;
        PacketFiles = packets;
        FlowFiles = flows;
        CommittedBatches = batches;
    }

    /// <summary>Absolute path of the output directory.</summary>
    public string OutputDirectory { get; }

    /// <summary>Absolute paths of the committed packets files, sorted.</summary>
    public IReadOnlyList<string> PacketFiles { get; }

    /// <summary>Absolute paths of the committed flows files, sorted.</summary>
    public IReadOnlyList<string> FlowFiles { get; }

    /// <summary>Ids of the committed batches (the names of the files under <c>_pcapstream/commits</c>, numbers unpadded).</summary>
    public IReadOnlySet<string> CommittedBatches { get; }

    /// <summary>Lists the committed files of <paramref name="outputDirectory"/>.</summary>
    /// <exception cref="DirectoryNotFoundException">The directory does not exist or holds no PcapStream output.</exception>
    public static DatasetCatalog Load(string outputDirectory)
    {
        string output = Path.GetFullPath(outputDirectory);
        if (!Directory.Exists(output))
        {
            throw new DirectoryNotFoundException($"output directory '{outputDirectory}' does not exist");
        }
        string commits = Path.Combine(output, "_pcapstream", "commits");
        if (!Directory.Exists(commits))
        {
            throw new DirectoryNotFoundException(
                $"'{outputDirectory}' holds no PcapStream output (no _pcapstream/commits folder): run 'pcapstream ingest' or 'run' first");
        }
        var batches = new HashSet<string>(StringComparer.Ordinal);
        foreach (string path in Directory.EnumerateFiles(commits))
        {
            string name = Path.GetFileName(path);
            if (IsTemporary(name))
            {
                continue;
            }
            batches.Add(Canonical(name));
        }
        return new DatasetCatalog(output, ListCommitted(Path.Combine(output, "packets"), batches),
            ListCommitted(Path.Combine(output, "flows"), batches), batches);
    }

    /// <summary>
    /// Batch id of a dataset file name <c>part-&lt;batch&gt;-&lt;n&gt;.parquet</c>, or null when the name does not
    /// follow the pattern (then the file is not a committed dataset file).
    /// </summary>
    public static string? BatchOf(string fileName)
    {
        if (!fileName.StartsWith("part-", StringComparison.Ordinal) || !fileName.EndsWith(".parquet", StringComparison.Ordinal))
        {
            return null;
        }
        ReadOnlySpan<char> middle = fileName.AsSpan(5, fileName.Length - 5 - ".parquet".Length);
        int dash = middle.LastIndexOf('-');
        return dash <= 0 ? null : Canonical(middle[..dash].ToString());
    }

    /// <summary>
    /// A numeric batch id without its zero padding: the sinks name files <c>part-00000007-00002</c> while the
    /// commit log names the batch <c>7</c>. Anything else stays as it is.
    /// </summary>
    private static string Canonical(string batch) =>
        long.TryParse(batch, NumberStyles.None, CultureInfo.InvariantCulture, out long id)
            ? id.ToString(CultureInfo.InvariantCulture) : batch;

    private static List<string> ListCommitted(string datasetDirectory, HashSet<string> batches)
    {
        var files = new List<string>();
        if (!Directory.Exists(datasetDirectory))
        {
            return files;
        }
        foreach (string path in Directory.EnumerateFiles(datasetDirectory, "*.parquet", SearchOption.AllDirectories))
        {
            string? batch = BatchOf(Path.GetFileName(path));
            if (batch is not null && batches.Contains(batch))
            {
                files.Add(path);
            }
        }
        files.Sort(StringComparer.Ordinal);
        return files;
    }

    private static bool IsTemporary(string name) =>
        name.StartsWith('.') || name.EndsWith(".tmp", StringComparison.Ordinal) || name.EndsWith(".crc", StringComparison.Ordinal);
}
