using PcapStream.Tests.Support;

namespace PcapStream.Tests.Cli;

/// <summary>The tshark oracle rows (<c>oracle/&lt;path&gt;.norm.tsv</c>) of a corpus capture, packet records only.</summary>
internal sealed class Oracle
{
    private readonly string[] _header;

    private Oracle(string[] header, List<string[]> rows)
    {
        _header = header;
        Rows = rows;
    }

    public List<string[]> Rows { get; }

    public string Get(string[] row, string column) => row[Array.IndexOf(_header, column)];

    public static Oracle Load(string capture)
    {
        string[] lines = File.ReadAllLines(SharedData.Require($"pcaps/oracle/{capture}.norm.tsv"));
        string[] header = lines[0].Split('\t');
        int record = Array.IndexOf(header, "record");
        var rows = lines.Skip(1).Select(l => l.Split('\t')).Where(r => r[record] == "packet").ToList();
        return new Oracle(header, rows);
    }
}
