namespace PcapStream.Tests.Decoding;

/// <summary>A tab-separated oracle file (header row of column names), rows kept as string arrays.</summary>
internal sealed class OracleTable
{
    private readonly Dictionary<string, int> _columns = new(StringComparer.Ordinal);

    public OracleTable(string path)
    {
        string[] lines = File.ReadAllLines(path);
        string[] header = lines[0].Split('\t');
        for (int i = 0; i < header.Length; i++)
        {
            _columns[header[i]] = i;
        }
        Rows = new List<string[]>(lines.Length - 1);
        for (int i = 1; i < lines.Length; i++)
        {
            if (lines[i].Length > 0)
            {
                Rows.Add(lines[i].Split('\t'));
            }
        }
    }

    public List<string[]> Rows { get; }

    /// <summary>The cell of <paramref name="column"/> in <paramref name="row"/>; empty when the row is short.</summary>
    public string Get(string[] row, string column)
    {
        int i = _columns[column];
        return i < row.Length ? row[i] : "";
    }
}
