using System.CommandLine;
using PcapStream.Decoding;
using PcapStream.Flows;
using PcapStream.Output;

namespace PcapStream.Cli.Commands;

/// <summary>
/// <c>pcapstream flows FILE... [--format tsv|csv|json] [--count] [--sensor NAME]</c>: the flows of the given
/// captures read as ONE capture stream in the given order (a flow crossing files is one flow), with the
/// <c>flows</c> columns (<see cref="FlowColumns"/>), or with <c>--count</c> only totals (flows, packets, bytes,
/// by endReason and connState). Timeouts are the defaults of <see cref="FlowSettings"/>.
/// </summary>
public static class FlowsCommand
{
    private static readonly Argument<string[]> FilesArgument = new("FILE")
    {
        Description = "Capture files (pcap or pcapng, optionally gzip-compressed), in capture order.",
        Arity = ArgumentArity.OneOrMore,
    };

    private static readonly Option<string> FormatOption = RecordOutputFlags.Format();

    private static readonly Option<bool> CountOption = new("--count", "-c")
    {
        Description = "Build every flow and print only the totals (flows, packets, bytes, by endReason and connState).",
    };

    private static readonly Option<string> SensorOption =
        RecordOutputFlags.Sensor("Value of the sensor column (capture stream name; part of the flow id).");

    public static Command Create()
    {
        var command = new Command("flows", "Print the bidirectional flows of captures read as one stream (or only totals with --count).")
        {
            FilesArgument,
            FormatOption,
            CountOption,
            SensorOption,
        };
        command.SetAction(parse => CommandRunner.Run(parse, () =>
        {
            string[] files = parse.GetValue(FilesArgument)!;
            RecordOutputFlags.RequireFiles(files);
            RecordFormat format = RecordOutputFlags.ParseFormat(parse.GetValue(FormatOption));
            string sensor = parse.GetValue(SensorOption) ?? "default";
            using Stream stdout = Console.OpenStandardOutput();
            return parse.GetValue(CountOption) ? Count(files, format, stdout) : Print(files, sensor, format, stdout);
        }));
        return command;
    }

    private static int Print(string[] files, string sensor, RecordFormat format, Stream stdout)
    {
        var ended = new List<FlowRecord>();
        var tracker = new FlowTracker(new FlowSettings(), sensor, ended);
        using var writer = new RecordWriter<FlowRecord, FlowColumns>(stdout, format);
        writer.WriteHeader();
        try
        {
            foreach (string file in files)
            {
                FlowFeed.Feed(tracker, file, () =>
                {
                    // Write flows as they end so memory stays bounded on long inputs.
                    foreach (FlowRecord r in ended)
                    {
                        writer.Write(r);
                    }
                    ended.Clear();
                });
            }
            tracker.Flush();
            foreach (FlowRecord r in ended)
            {
                writer.Write(r);
            }
        }
        finally
        {
            writer.Flush();
        }
        return ExitCodes.Success;
    }

    private static int Count(string[] files, RecordFormat format, Stream stdout)
    {
        FlowFeed.CountFiles(files, stdout, format == RecordFormat.Json);
        return ExitCodes.Success;
    }
}
