using System.CommandLine;
using PcapStream.Config;
using PcapStream.Sinks;
using PcapStream.Streaming;

namespace PcapStream.Cli.Commands;

/// <summary>
/// `pcapstream run --input DIR --output DIR [--interval 30s] [--once] [--max-files-per-batch N] [--no-packets]`:
/// the streaming job. Watches DIR recursively, takes each complete capture exactly once, writes packets and flows
/// to Parquet in micro-batches with an exactly-once commit protocol.
/// </summary>
public static class RunCommand
{
    public static Command Create()
    {
        var input = new Option<string[]>("--input", "-i") { Description = "Capture folder to watch (recursively; INPUT/<sensor>/... are capture streams). Default: run.input of the settings file.", AllowMultipleArgumentsPerToken = true };
        var output = new Option<string>("--output", "-o") { Description = "Output folder (datasets and _pcapstream/ commit logs). Default: run.output of the settings file." };
        var interval = new Option<string>("--interval") { Description = "Time between batches when caught up.", DefaultValueFactory = _ => "30s" };
        var once = new Option<bool>("--once") { Description = "Process what is complete now, then exit." };
        var flushAtEnd = new Option<bool>("--flush-at-end") { Description = "With --once: end every open flow when drained (the input is finished)." };
        var maxFiles = new Option<int>("--max-files-per-batch") { Description = "Most files per batch (0 = no limit).", DefaultValueFactory = _ => 0 };
        var noPackets = new Option<bool>("--no-packets") { Description = "Write only the flows dataset." };
        var completion = new Option<CompletionMode>("--completion") { Description = "How a file is known to be complete: Auto, Rename (hidden until renamed), Newest (all but the newest), All.", DefaultValueFactory = _ => CompletionMode.Auto };
        var fileIdle = new Option<string>("--file-idle") { Description = "Newest-in-stream: the newest file is complete after this long unchanged.", DefaultValueFactory = _ => "60s" };
        var staleHidden = new Option<string>("--stale-hidden-after") { Description = "Take hidden files left by a crashed capture after this long unchanged (0 = never).", DefaultValueFactory = _ => "1h" };
        var noWatch = new Option<bool>("--no-watch") { Description = "Do not use change notifications (inotify) to start a batch early; poll every --interval only." };
        var maxBatchMb = new Option<long>("--max-batch-mb") { Description = "Most capture megabytes per batch (0 = no limit; default 256 per core): bounds memory on a backlog.", DefaultValueFactory = _ => -1 };
        var compression = new Option<string>("--compression") { Description = "Parquet codec: zstd or snappy.", DefaultValueFactory = _ => "snappy" };
        var config = SettingsFlags.Config();
        var command = new Command("run", "The streaming job: watch a capture folder and write packets and flows to Parquet, exactly once.")
        {
            input, output, interval, once, flushAtEnd, maxFiles, maxBatchMb, noPackets, completion, fileIdle, staleHidden, noWatch, compression, config,
        };
        command.SetAction(parse => CommandRunner.Run(parse, () =>
        {
            if (parse.GetValue(maxFiles) < 0)
            {
                throw new UsageException("--max-files-per-batch must be 0 (no limit) or more.");
            }
            // Settings file < PCAPSTREAM_* environment < flags (DESIGN.md "Configuration"); shared with `capture`.
            RunSettings settings = SettingsFlags.Load(parse, config).Run;
            string[] inputs = parse.GetValue(input) is { Length: > 0 } given ? given
                : settings.Input is { } configured ? [configured]
                : throw new UsageException("give --input (or run.input in the settings file).");
            string outputDir = parse.GetValue(output) ?? settings.Output
                ?? throw new UsageException("give --output (or run.output in the settings file).");
            var options = new JobOptions
            {
                Inputs = inputs,
                Output = outputDir,
                Interval = parse.GetResult(interval) is { Implicit: false }
                    ? JobHost.ParseDuration(parse.GetValue(interval)!, "--interval")
                    : TimeSpan.FromSeconds(settings.IntervalSeconds),
                Once = parse.GetValue(once),
                FlushAtEnd = parse.GetValue(flushAtEnd),
                MaxFilesPerBatch = parse.GetValue(maxFiles),
                MaxBytesPerBatch = JobHost.BatchBytes(parse.GetValue(maxBatchMb)),
                Sinks = new SinkOptions { WritePackets = !parse.GetValue(noPackets), Compression = Codec(parse.GetValue(compression)!) },
                Source = new SourceOptions
                {
                    Completion = parse.GetValue(completion),
                    FileIdle = JobHost.ParseDuration(parse.GetValue(fileIdle)!, "--file-idle"),
                    StaleHiddenAge = parse.GetResult(staleHidden) is { Implicit: false }
                        ? JobHost.ParseDuration(parse.GetValue(staleHidden)!, "--stale-hidden-after")
                        : TimeSpan.FromSeconds(settings.HiddenStaleSeconds),
                    Watch = !parse.GetValue(noWatch),
                },
            };
            foreach (string dir in options.Inputs)
            {
                // A missing folder is waited for (the job may start before the capture); a one-shot run has
                // nothing to wait for, and a file is a mistake either way.
                if (File.Exists(dir))
                {
                    throw new UsageException($"--input '{dir}' is a file, not a folder.");
                }
                if (options.Once && !Directory.Exists(dir))
                {
                    throw new UsageException($"--input '{dir}' does not exist (with --once there is nothing to wait for).");
                }
            }
            return JobHost.Run(options, progressBar: false);
        }));
        return command;
    }

    internal static Parquet.CompressionMethod Codec(string name) => name.ToLowerInvariant() switch
    {
        "zstd" => Parquet.CompressionMethod.Zstd,
        "snappy" => Parquet.CompressionMethod.Snappy,
        "none" => Parquet.CompressionMethod.None,
        _ => throw new UsageException($"--compression: '{name}' is not one of zstd, snappy, none."),
    };
}
