using System.CommandLine;
using System.Text;
using PcapStream.Decoding;
using PcapStream.Flows;
using PcapStream.Output;
using PcapStream.Readers;

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

    private static readonly Option<string> FormatOption = new("--format", "-f")
    {
        Description = "Output format: tsv (header row, tab-separated), csv (RFC 4180), json (one object per line, nulls omitted).",
        DefaultValueFactory = _ => "tsv",
    };

    private static readonly Option<bool> CountOption = new("--count", "-c")
    {
        Description = "Build every flow and print only the totals (flows, packets, bytes, by endReason and connState).",
    };

    private static readonly Option<string> SensorOption = new("--sensor")
    {
        Description = "Value of the sensor column (capture stream name; part of the flow id).",
        DefaultValueFactory = _ => "default",
    };

    public static Command Create()
    {
        FormatOption.AcceptOnlyFromAmong("tsv", "csv", "json");
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
            foreach (string f in files)
            {
                if (!File.Exists(f))
                {
                    throw new WorkFailedException($"{f}: no such file.");
                }
            }
            RecordFormat format = parse.GetValue(FormatOption) switch
            {
                "csv" => RecordFormat.Csv,
                "json" => RecordFormat.Json,
                _ => RecordFormat.Tsv,
            };
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
                Feed(tracker, file, () =>
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
        var totals = new FlowTotals();
        var tracker = new FlowTracker(new FlowSettings(), totals);
        foreach (string file in files)
        {
            Feed(tracker, file, null);
        }
        tracker.Flush();
        WriteTotals(totals, tracker.Evicted, format == RecordFormat.Json, stdout);
        return ExitCodes.Success;
    }

    /// <summary>Reads and decodes one file into the tracker; <paramref name="drain"/> runs every 64 Ki packets.</summary>
    private static void Feed(FlowTracker tracker, string file, Action? drain)
    {
        using CaptureReader reader = CaptureReader.Open(file);
        tracker.BeginFile(file);
        var packet = new DecodedPacket();
        int n = 0;
        while (reader.TryRead(out CaptureRecord record))
        {
            PacketDecoder.Decode(record.Data, record.LinkType, record.OriginalLength, ref packet);
            tracker.Add(packet, record.TimestampNanos);
            if (drain is not null && (++n & 0xFFFF) == 0)
            {
                drain();
            }
        }
        drain?.Invoke();
        reader.ThrowIfTruncated();
    }

    private static void WriteTotals(FlowTotals t, long evicted, bool json, Stream stdout)
    {
        var sb = new StringBuilder();
        EndReason[] reasons = Enum.GetValues<EndReason>();
        if (json)
        {
            sb.Append($"{{\"flows\":{t.Flows},\"packets\":{t.Packets},\"bytes\":{t.Bytes},\"evicted\":{evicted},\"endReason\":{{");
            sb.AppendJoin(',', reasons.Select(r => $"\"{r.ToString().ToLowerInvariant()}\":{t.ByReason(r)}"));
            sb.Append("},\"connState\":{");
            sb.AppendJoin(',', t.ByConnState.Select(kv => $"\"{kv.Key}\":{kv.Value}"));
            sb.Append("}}\n");
        }
        else
        {
            sb.Append($"flows\t{t.Flows}\npackets\t{t.Packets}\nbytes\t{t.Bytes}\nevicted\t{evicted}\n");
            foreach (EndReason r in reasons)
            {
                sb.Append($"endReason.{r.ToString().ToLowerInvariant()}\t{t.ByReason(r)}\n");
            }
            foreach (var kv in t.ByConnState)
            {
                sb.Append($"connState.{kv.Key}\t{kv.Value}\n");
            }
        }
        stdout.Write(Encoding.UTF8.GetBytes(sb.ToString()));
    }
}
