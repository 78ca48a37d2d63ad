using System.CommandLine;
using DuckDB.NET.Data;
using PcapStream.Sample;
using PcapStream.Streaming;
using Spectre.Console;

namespace PcapStream.Cli.Commands;

/// <summary>
/// `pcapstream demo [--dir ./sample]`: the README's first command. Writes sample captures (no capture privileges
/// needed), runs the streaming job once over them into DIR/out, and shows a first SQL result from DuckDB.
/// </summary>
public static class DemoCommand
{
    public static Command Create()
    {
        var dir = new Option<string>("--dir") { Description = "Folder for the sample captures (DIR/in) and the datasets (DIR/out).", DefaultValueFactory = _ => "./sample" };
        var command = new Command("demo", "Generate sample captures, run the job on them, and query the result: the first thing to try.") { dir };
        command.SetAction(parse => CommandRunner.Run(parse, () =>
        {
            string root = Path.GetFullPath(parse.GetValue(dir)!);
            string input = Path.Combine(root, "in"), output = Path.Combine(root, "out");
            if (!Directory.Exists(input) || Directory.GetFileSystemEntries(input).Length == 0)
            {
                IReadOnlyList<SampleFile> files = SampleCaptureGenerator.Generate(input, new SampleOptions());
                Console.Error.WriteLine($"pcapstream: wrote {files.Count} sample capture files under {input}");
            }
            Console.Error.WriteLine($"pcapstream: running: pcapstream run --input {input} --output {output} --once --flush-at-end");
            JobHost.Run(new JobOptions
            {
                Inputs = [input],
                Output = output,
                Once = true,
                FlushAtEnd = true,
                // The generator has finished writing: every file is complete.
                Source = new SourceOptions { Completion = CompletionMode.All },
            }, progressBar: false);
            ShowTopFlows(output);
            Console.Error.WriteLine($"pcapstream: next: pcapstream query --output {output} \"SELECT protocol, count(*) FROM flows GROUP BY 1\"");
            return ExitCodes.Success;
        }));
        return command;
    }

    private static void ShowTopFlows(string output)
    {
        string flows = Path.Combine(output, "flows", "**", "*.parquet").Replace("'", "''", StringComparison.Ordinal);
        using var connection = new DuckDBConnection("DataSource=:memory:");
        connection.Open();
        using DuckDBCommand command = connection.CreateCommand();
        command.CommandText =
            "SELECT sensor, srcIP, srcPort, dstIP, dstPort, protocol, connState, srcPackets + dstPackets AS packets, " +
            "srcBytes + dstBytes AS bytes, round(durationSeconds, 1) AS seconds " +
            $"FROM read_parquet('{flows}', hive_partitioning = true) ORDER BY bytes DESC, flowId LIMIT 10";
        using DuckDBDataReader reader = command.ExecuteReader();
        var table = new Table().Title("Top 10 flows by bytes (SQL over the flows dataset, DuckDB)");
        for (int i = 0; i < reader.FieldCount; i++)
        {
            table.AddColumn(reader.GetName(i));
        }
        while (reader.Read())
        {
            var cells = new string[reader.FieldCount];
            for (int i = 0; i < cells.Length; i++)
            {
                cells[i] = Markup.Escape(reader.IsDBNull(i) ? "" : Convert.ToString(reader.GetValue(i), System.Globalization.CultureInfo.InvariantCulture) ?? "");
            }
            table.AddRow(cells);
        }
        if (Console.IsOutputRedirected)
        {
            AnsiConsole.Profile.Width = Math.Max(AnsiConsole.Profile.Width, 140); // a log file, not an 80-column tty
        }
        AnsiConsole.Write(table);
    }
}
