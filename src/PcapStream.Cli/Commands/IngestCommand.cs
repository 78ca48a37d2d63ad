using System.CommandLine;
using PcapStream.Sinks;
using PcapStream.Streaming;

namespace PcapStream.Cli.Commands;

/// <summary>
/// `pcapstream ingest FILE|DIR... --output DIR`: one-shot batch over finished captures, with the same outputs and
/// commit protocol as `run` (a folder's first-level subfolders are capture streams). Open flows are ended at the
/// end. Files already ingested into the output are not ingested twice.
/// </summary>
public static class IngestCommand
{
    public static Command Create()
    {
        var inputs = new Argument<string[]>("inputs") { Description = "Capture files or folders.", Arity = ArgumentArity.OneOrMore };
        var output = new Option<string>("--output", "-o") { Description = "Output folder.", Required = true };
        var noPackets = new Option<bool>("--no-packets") { Description = "Write only the flows dataset." };
        var maxFiles = new Option<int>("--max-files-per-batch") { Description = "Most files per batch (0 = no limit); bounds memory for very many files.", DefaultValueFactory = _ => 64 };
        var maxBatchMb = new Option<long>("--max-batch-mb") { Description = "Most capture megabytes per batch (0 = no limit; default 256 per core): bounds memory whatever the input size.", DefaultValueFactory = _ => -1 };
        var compression = new Option<string>("--compression") { Description = "Parquet codec: zstd or snappy.", DefaultValueFactory = _ => "snappy" };
        var command = new Command("ingest", "Ingest finished captures once into the Parquet datasets (same outputs as run).")
        {
            inputs, output, noPackets, maxFiles, maxBatchMb, compression,
        };
        command.SetAction(parse => CommandRunner.Run(parse, () =>
        {
            string[] paths = parse.GetValue(inputs)!;
            foreach (string p in paths)
            {
                if (!File.Exists(p) && !Directory.Exists(p))
                {
                    throw new UsageException($"'{p}' does not exist.");
                }
            }
            var options = new JobOptions
            {
                Inputs = paths,
                Output = parse.GetValue(output)!,
                Once = true,
                FlushAtEnd = true,
                MaxFilesPerBatch = Math.Max(0, parse.GetValue(maxFiles)),
                MaxBytesPerBatch = JobHost.BatchBytes(parse.GetValue(maxBatchMb)),
                Sinks = new SinkOptions { WritePackets = !parse.GetValue(noPackets), Compression = RunCommand.Codec(parse.GetValue(compression)!) },
                Source = new SourceOptions { Completion = CompletionMode.All },
            };
            return JobHost.Run(options, progressBar: true);
        }));
        return command;
    }
}
