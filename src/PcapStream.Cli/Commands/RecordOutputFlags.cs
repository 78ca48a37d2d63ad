using System.CommandLine;
using PcapStream.Output;

namespace PcapStream.Cli.Commands;

/// <summary>
/// The flags and checks the record-printing commands (<c>packets</c>, <c>flows</c>) have in common, so both accept
/// the same formats, spell the same help and report a missing input the same way.
/// </summary>
internal static class RecordOutputFlags
{
    /// <summary><c>--format/-f tsv|csv|json</c>, default tsv.</summary>
    public static Option<string> Format()
    {
        var option = new Option<string>("--format", "-f")
        {
            Description = "Output format: tsv (header row, tab-separated), csv (RFC 4180), json (one object per line, nulls omitted).",
            DefaultValueFactory = _ => "tsv",
        };
        option.AcceptOnlyFromAmong("tsv", "csv", "json");
        return option;
    }

    /// <summary><c>--sensor NAME</c>, default "default".</summary>
    public static Option<string> Sensor(string description) => new("--sensor")
    {
        Description = description,
        DefaultValueFactory = _ => "default",
    };

    /// <summary>The <see cref="RecordFormat"/> named by a <see cref="Format"/> value (tsv for anything else).</summary>
    public static RecordFormat ParseFormat(string? value) => value switch
    {
        "csv" => RecordFormat.Csv,
        "json" => RecordFormat.Json,
        _ => RecordFormat.Tsv,
    };

    /// <summary>Fails (exit 1) on the first input that does not exist, before anything is printed.</summary>
    public static void RequireFiles(params ReadOnlySpan<string> files)
    {
        foreach (string f in files)
        {
            if (!File.Exists(f))
            {
                throw new WorkFailedException($"{f}: no such file.");
            }
        }
    }
}
