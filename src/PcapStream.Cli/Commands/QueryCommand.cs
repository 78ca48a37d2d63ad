using System.CommandLine;
using System.Data.Common;
using DuckDB.NET.Data;
using PcapStream.Query;
using Spectre.Console;

namespace PcapStream.Cli.Commands;

/// <summary>
/// <c>pcapstream query --output DIR "SQL"</c>: SQL over the committed datasets with embedded DuckDB (views
/// <c>packets</c> and <c>flows</c>), read-only. An aligned table on a terminal; CSV when piped; <c>--format</c> picks
/// csv, json (JSON Lines) or parquet.
/// </summary>
public static class QueryCommand
{
    /// <summary>Rows shown in a terminal table when no --limit is given (a table of a million rows helps nobody).</summary>
    public const int DefaultTableRows = 1000;

    public static Command Create()
    {
        var output = new Option<string>("--output") { Description = "Output directory of 'ingest'/'run' (holds packets/, flows/, _pcapstream/).", Required = true };
        var sql = new Argument<string?>("sql") { Description = "The SQL query (views: packets, flows).", Arity = ArgumentArity.ZeroOrOne };
        var sqlFile = new Option<string?>("--sql-file") { Description = "Read the SQL from this file instead." };
        var format = new Option<string?>("--format") { Description = "table (default on a terminal), csv (default when piped), json (one object per line) or parquet." };
        format.AcceptOnlyFromAmong("table", "csv", "json", "parquet");
        var limit = new Option<long?>("--limit") { Description = $"Print at most N rows (a terminal table shows {DefaultTableRows} by default)." };
        var outFile = new Option<string?>("--out-file", "-o") { Description = "Write the result to this file instead of stdout." };
        var command = new Command("query", "SQL over the packets and flows datasets (embedded DuckDB, read-only).")
        {
            output, sql, sqlFile, format, limit, outFile,
        };
        command.SetAction(parse => CommandRunner.Run(parse, () => Execute(
            parse.GetValue(output)!, parse.GetValue(sql), parse.GetValue(sqlFile), parse.GetValue(format),
            parse.GetValue(limit), parse.GetValue(outFile))));
        return command;
    }

    private static int Execute(string outputDir, string? sql, string? sqlFile, string? format, long? limit, string? outFile)
    {
        if ((sql is null) == (sqlFile is null))
        {
            throw new UsageException("give the SQL either as an argument or with --sql-file, not both");
        }
        if (limit < 0)
        {
            throw new UsageException("--limit must be 0 or more");
        }
        string text = sql ?? File.ReadAllText(sqlFile!);
        format ??= outFile is null && !Console.IsOutputRedirected ? "table" : "csv";
        if (format == "parquet" && outFile is null && !Console.IsOutputRedirected)
        {
            throw new UsageException("--format parquet writes binary data: give -o FILE or redirect stdout");
        }
        QuerySession session;
        try
        {
            session = QuerySession.Open(outputDir);
        }
        catch (DirectoryNotFoundException e)
        {
            throw new WorkFailedException(e.Message, e);
        }
        using (session)
        {
            try
            {
                using DbDataReader reader = session.Execute(text);
                WriteResult(reader, format, limit, outFile, session.JsonColumns);
            }
            catch (DuckDBException e)
            {
                QueryException q = session.Translate(e);
                throw new WorkFailedException(q.Message, e);
            }
            catch (QueryException e)
            {
                throw new WorkFailedException(e.Message, e);
            }
        }
        return ExitCodes.Success;
    }

    private static void WriteResult(DbDataReader reader, string format, long? limit, string? outFile, IReadOnlySet<string> jsonColumns)
    {
        string? temporary = outFile is null ? null : Path.Combine(Path.GetDirectoryName(Path.GetFullPath(outFile))!, "." + Path.GetFileName(outFile) + ".partial");
        Stream stream = temporary is null ? Console.OpenStandardOutput() : new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16);
        try
        {
            using (stream)
            {
                switch (format)
                {
                    case "csv":
                        using (var text = new StreamWriter(stream, leaveOpen: true))
                        {
                            ResultWriters.WriteCsv(reader, text, limit ?? -1);
                        }
                        break;
                    case "json":
                        ResultWriters.WriteJsonLines(reader, stream, limit ?? -1, jsonColumns);
                        break;
                    case "parquet":
                        ParquetResultWriter.Write(reader, stream, limit ?? -1);
                        break;
                    default:
                        WriteTable(reader, stream, limit ?? DefaultTableRows, limit is null);
                        break;
                }
            }
            if (temporary is not null)
            {
                File.Move(temporary, outFile!, overwrite: true);
            }
        }
        finally
        {
            if (temporary is not null && File.Exists(temporary))
            {
                File.Delete(temporary);
            }
        }
    }

    private static void WriteTable(DbDataReader reader, Stream stream, long limit, bool defaultLimit)
    {
        var table = new Table().Border(TableBorder.Rounded);
        bool[] numeric = new bool[reader.FieldCount];
        for (int i = 0; i < reader.FieldCount; i++)
        {
            Type t = reader.GetFieldType(i);
            numeric[i] = t.IsPrimitive && t != typeof(bool) || t == typeof(decimal) || t == typeof(System.Numerics.BigInteger);
            var column = new TableColumn(Markup.Escape(reader.GetName(i)));
            table.AddColumn(numeric[i] ? column.RightAligned() : column);
        }
        long rows = 0;
        bool more = false;
        var cells = new string[reader.FieldCount];
        while (reader.Read())
        {
            if (rows == limit)
            {
                more = true;
                break;
            }
            for (int i = 0; i < cells.Length; i++)
            {
                cells[i] = reader.IsDBNull(i) ? "[grey]NULL[/]" : Markup.Escape(ResultWriters.FormatText(reader.GetValue(i)));
            }
            table.AddRow(cells);
            rows++;
        }
        using var writer = new StreamWriter(stream, leaveOpen: true);
        IAnsiConsole console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(writer),
            Ansi = Console.IsOutputRedirected ? AnsiSupport.No : AnsiSupport.Detect,
            ColorSystem = Console.IsOutputRedirected ? ColorSystemSupport.NoColors : ColorSystemSupport.Detect,
        });
        if (Console.IsOutputRedirected)
        {
            console.Profile.Width = 4096; // a table written to a file is never wrapped
        }
        console.Write(table);
        string footer = more
            ? $"{rows} rows shown; more rows omitted ({(defaultLimit ? "use --limit N, or --format csv for all" : "--limit")})."
            : $"{rows} row{(rows == 1 ? "" : "s")}.";
        console.MarkupLine($"[grey]{Markup.Escape(footer)}[/]");
    }
}
