using System.CommandLine;
using PcapStream.Decoding;
using PcapStream.Output;
using PcapStream.Readers;

namespace PcapStream.Cli.Commands;

/// <summary>
/// <c>pcapstream packets FILE [--format tsv|csv|json] [--count] [--sensor NAME]</c>: prints one record per
/// packet with the <c>packets</c> columns (<see cref="PacketColumns"/>), or with <c>--count</c> only the totals.
/// A damaged capture prints every good record first, then the error (file, offset, record) and exits 1.
/// </summary>
public static class PacketsCommand
{
    private static readonly Argument<string> FileArgument = new("FILE")
    {
        Description = "Capture file (pcap or pcapng, optionally gzip-compressed).",
    };

    private static readonly Option<string> FormatOption = RecordOutputFlags.Format();

    private static readonly Option<bool> CountOption = new("--count", "-c")
    {
        Description = "Decode every packet and print only the totals (packets, bytes, link types, anomalies).",
    };

    private static readonly Option<string> SensorOption =
        RecordOutputFlags.Sensor("Value of the sensor column (capture stream name).");

    public static Command Create()
    {
        var command = new Command("packets", "Print the decoded per-packet records of a capture (or only totals with --count).")
        {
            FileArgument,
            FormatOption,
            CountOption,
            SensorOption,
        };
        command.SetAction(parse => CommandRunner.Run(parse, () =>
        {
            string file = parse.GetValue(FileArgument)!;
            RecordFormat format = RecordOutputFlags.ParseFormat(parse.GetValue(FormatOption));
            RecordOutputFlags.RequireFiles(file);
            using Stream stdout = Console.OpenStandardOutput();
            return parse.GetValue(CountOption)
                ? Count(file, format, stdout)
                : Print(file, parse.GetValue(SensorOption) ?? "default", format, stdout);
        }));
        return command;
    }

    /// <summary>Prints every record; the writer is flushed before any error propagates, so good rows are kept.</summary>
    private static int Print(string file, string sensor, RecordFormat format, Stream stdout)
    {
        using var writer = new RecordWriter<PacketRow, PacketColumns>(stdout, format);
        using CaptureReader reader = CaptureReader.OpenMapped(file);
        writer.WriteHeader();
        var packet = new DecodedPacket();
        Span<byte> communityId = stackalloc byte[CommunityId.MaxTextLength];
        try
        {
            while (reader.TryRead(out CaptureRecord record))
            {
                PacketDecoder.Decode(record.Data, record.LinkType, record.OriginalLength, ref packet);
                PacketRow row = PacketRow.From(in record, ref packet, sensor, file, communityId);
                writer.Write(in row);
            }
        }
        finally
        {
            writer.Flush();
        }
        reader.ThrowIfTruncated();
        return ExitCodes.Success;
    }

    /// <summary>Read + decode + count, nothing else per packet (this is what the benchmarks time).</summary>
    private static int Count(string file, RecordFormat format, Stream stdout)
    {
        PacketTotals.CountFile(file, stdout, format == RecordFormat.Json);
        return ExitCodes.Success;
    }
}
