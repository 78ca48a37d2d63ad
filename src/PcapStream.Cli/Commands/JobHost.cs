using System.Runtime.InteropServices;
using PcapStream.Streaming;
using Spectre.Console;

namespace PcapStream.Cli.Commands;

/// <summary>
/// Runs a <see cref="StreamingJob"/> for `run` and `ingest`: SIGTERM/SIGINT abandon the current batch cleanly and
/// exit 0; a progress bar on a terminal, quiet (report lines only) when piped.
/// </summary>
internal static class JobHost
{
    public static int Run(JobOptions options, bool progressBar)
    {
        using var cancel = new CancellationTokenSource();
        void Stop(PosixSignalContext context)
        {
            context.Cancel = true; // we stop ourselves, cleanly
            cancel.Cancel();
        }
        using PosixSignalRegistration term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
        using PosixSignalRegistration interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
        using var job = new StreamingJob(options, Console.Error);
        bool interactive = progressBar && !Console.IsErrorRedirected && AnsiConsole.Profile.Capabilities.Interactive;
        if (!interactive)
        {
            job.Run(cancel.Token);
            return ExitCodes.Success;
        }
        AnsiConsole.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new TransferSpeedColumn(), new RemainingTimeColumn())
            .Start(ctx =>
            {
                ProgressTask? task = null;
                job.BatchPlanned = total =>
                {
                    task = ctx.AddTask("ingest", maxValue: Math.Max(1, total));
                };
                job.Progress = bytes =>
                {
                    task?.Increment(bytes);
                };
                job.BatchCommitted = report =>
                {
                    if (task is not null)
                    {
                        task.Value = task.MaxValue;
                        task.Description = $"batch {report.Batch}";
                    }
                };
                job.Run(cancel.Token);
            });
        return ExitCodes.Success;
    }

    /// <summary>Parses durations like 30s, 5m, 1h, 250ms, 0 (plain numbers are seconds).</summary>
    public static TimeSpan ParseDuration(string text, string option)
    {
        string t = text.Trim();
        double Number(string s) => double.TryParse(s, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out double v) && v >= 0
            ? v
            : throw new UsageException($"{option}: '{text}' is not a duration (examples: 30s, 5m, 1h, 500ms).");
        if (t.EndsWith("ms", StringComparison.Ordinal))
        {
            return TimeSpan.FromMilliseconds(Number(t[..^2]));
        }
        return t[^1] switch
        {
            's' => TimeSpan.FromSeconds(Number(t[..^1])),
            'm' => TimeSpan.FromMinutes(Number(t[..^1])),
            'h' => TimeSpan.FromHours(Number(t[..^1])),
            _ => TimeSpan.FromSeconds(Number(t)),
        };
    }

    /// <summary>--max-batch-mb to bytes: negative (unset) keeps the default (256 MiB per core), 0 means no limit.</summary>
    public static long BatchBytes(long megabytes) =>
        megabytes < 0 ? new JobOptions { Inputs = [], Output = "" }.MaxBytesPerBatch : megabytes * 1_000_000L;
}
