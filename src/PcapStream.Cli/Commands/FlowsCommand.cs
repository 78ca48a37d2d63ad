using System.CommandLine;
using System.Runtime.CompilerServices;
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
        using CaptureReader reader = CaptureReader.OpenMapped(file);
        tracker.BeginFile(file);
        if (reader is PcapReader pcap)
        {
            FeedPcap(tracker, pcap, drain);
        }
        else
        {
            FeedAny(tracker, reader, drain);
        }
        drain?.Invoke();
        reader.ThrowIfTruncated();
    }

    /// <summary>
    /// The packet loop over a classic pcap file: the sealed reader's TryRead and the decoder's fast path inline here.
    /// AggressiveOptimization: it runs once per file, so tiering could never replace a slower first version of it.
    /// (Prefetching the table bucket/entry a few packets ahead was tried and measured slower here: the key was
    /// computed twice and the misses it hides are few at this table size.)
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void FeedPcap(FlowTracker tracker, PcapReader reader, Action? drain)
    {
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
    }

    /// <summary>The same loop for pcapng (one virtual call per record).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void FeedAny(FlowTracker tracker, CaptureReader reader, Action? drain)
    {
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
