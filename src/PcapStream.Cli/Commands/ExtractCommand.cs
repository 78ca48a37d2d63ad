using System.CommandLine;
using System.Globalization;
using DuckDB.NET.Data;
using PcapStream.Query;

namespace PcapStream.Cli.Commands;

/// <summary>
/// <c>pcapstream extract --output DIR (--flow ID | --community-id ID | --where SQL) -w OUT.pcap</c>: the original
/// packets of the selected flows, byte for byte, in time order (docs/queries.md).
/// </summary>
public static class ExtractCommand
{
    public static Command Create()
    {
        var output = new Option<string>("--output") { Description = "Output directory of 'ingest'/'run'.", Required = true };
        var flow = new Option<string?>("--flow") { Description = "The flowId of one flow." };
        var communityId = new Option<string?>("--community-id") { Description = "Every flow with this Community ID (e.g. from Zeek or Suricata)." };
        var where = new Option<string?>("--where") { Description = "A SQL predicate on the flows view, e.g. \"dstPort = 53 and date = '2026-11-26'\"." };
        var from = new Option<string?>("--from") { Description = "Only flows active at or after this UTC time (ISO 8601, or epoch seconds)." };
        var to = new Option<string?>("--to") { Description = "Only flows active at or before this UTC time." };
        var inputRoot = new Option<string?>("--input-root") { Description = "Where the captures are, when not where the streaming job recorded (moved, mounted elsewhere)." };
        var write = new Option<string>("-w") { Description = "The capture file to write.", Required = true };
        var pcapng = new Option<bool>("--pcapng") { Description = "Write pcapng even when classic pcap can hold the packets." };
        var command = new Command("extract", "Pull the original packets of selected flows back into a pcap (or pcapng).")
        {
            output, flow, communityId, where, from, to, inputRoot, write, pcapng,
        };
        command.SetAction(parse => CommandRunner.Run(parse, () =>
        {
            var request = new ExtractRequest
            {
                OutputDirectory = parse.GetValue(output)!,
                Destination = parse.GetValue(write)!,
                FlowId = parse.GetValue(flow),
                CommunityId = parse.GetValue(communityId),
                Where = parse.GetValue(where),
                From = ParseTime(parse.GetValue(from), "--from"),
                To = ParseTime(parse.GetValue(to), "--to"),
                InputRoot = parse.GetValue(inputRoot),
                PcapNg = parse.GetValue(pcapng),
            };
            return Execute(request);
        }));
        return command;
    }

    private static int Execute(ExtractRequest request)
    {
        ExtractResult result;
        try
        {
            PacketExtractor.FlowPredicate(request);
            result = PacketExtractor.Run(request);
        }
        catch (ArgumentException e)
        {
            throw new UsageException(e.Message);
        }
        catch (DirectoryNotFoundException e)
        {
            throw new WorkFailedException(e.Message, e);
        }
        catch (QueryException e)
        {
            throw new WorkFailedException(e.Message, e);
        }
        catch (DuckDBException e)
        {
            throw new WorkFailedException(e.Message.Split('\n')[0], e);
        }
        Console.Error.WriteLine(
            $"pcapstream: wrote {result.Packets} packets of {result.Flows} flow{(result.Flows == 1 ? "" : "s")} from {result.Captures} capture file{(result.Captures == 1 ? "" : "s")} to {request.Destination} ({(result.WrotePcapNg ? "pcapng" : "pcap")}, {result.Bytes} bytes).");
        return ExitCodes.Success;
    }

    private static DateTime? ParseTime(string? text, string option)
    {
        if (text is null)
        {
            return null;
        }
        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double seconds))
        {
            return DateTime.UnixEpoch.AddTicks((long)(seconds * TimeSpan.TicksPerSecond));
        }
        if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out DateTimeOffset t))
        {
            return t.UtcDateTime;
        }
        throw new UsageException($"{option}: '{text}' is not a time (use ISO 8601 like 2026-11-26T14:15:00Z, or epoch seconds)");
    }
}
