using System.CommandLine;
using PcapStream.Config;
using PcapStream.Retention;

namespace PcapStream.Cli.Commands;

/// <summary>
/// <c>pcapstream retention</c>: one retention pass over the capture tree and/or the datasets (a cron job or a
/// systemd timer runs it; <c>capture --keep-days/--keep-gb</c> runs the capture part continuously).
/// Never deletes a capture an uncommitted batch still needs (docs/capture.md, "Retention").
/// </summary>
public static class RetentionCommand
{
    public static Command Create()
    {
        var input = new Option<string>("--input") { Description = "Capture tree (default: run.input, else capture.directory)." };
        var output = new Option<string>("--output") { Description = "Dataset root (default: run.output)." };
        var keepDays = new Option<double>("--keep-days") { Description = "Delete captures older than this many days." };
        var keepGb = new Option<double>("--keep-gb") { Description = "Delete the oldest captures while the tree exceeds this many GB." };
        var dataKeepDays = new Option<double>("--dataset-keep-days") { Description = "Delete dataset hour partitions older than this many days." };
        var dataKeepGb = new Option<double>("--dataset-keep-gb") { Description = "Delete the oldest dataset partitions while the datasets exceed this many GB." };
        var unprocessed = new Option<bool>("--delete-unprocessed") { Description = "Let limits delete captures no batch has taken yet (default: keep them)." };
        var dryRun = new Option<bool>("--dry-run") { Description = "Print what would be deleted; delete nothing." };
        var config = SettingsFlags.Config();
        var command = new Command("retention", "Delete old captures and dataset partitions by age and size, keeping what the job still needs.");
        foreach (Option o in (Option[])[input, output, keepDays, keepGb, dataKeepDays, dataKeepGb, unprocessed, dryRun, config])
        {
            command.Options.Add(o);
        }
        command.SetAction(parse => CommandRunner.Run(parse, () =>
        {
            PcapStreamSettings s = SettingsFlags.Load(parse, config);
            SettingsFlags.Apply(parse, s, input, "run.input");
            SettingsFlags.Apply(parse, s, output, "run.output");
            SettingsFlags.Apply(parse, s, keepDays, "retention.captureKeepDays");
            SettingsFlags.Apply(parse, s, keepGb, "retention.captureKeepGigabytes");
            SettingsFlags.Apply(parse, s, dataKeepDays, "retention.datasetKeepDays");
            SettingsFlags.Apply(parse, s, dataKeepGb, "retention.datasetKeepGigabytes");
            SettingsFlags.Apply(parse, s, unprocessed, "retention.deleteUnprocessed");
            bool dry = parse.GetValue(dryRun);
            RetentionSettings r = s.Retention;
            var capturePolicy = RetentionPolicy.FromDaysAndGigabytes(r.CaptureKeepDays, r.CaptureKeepGigabytes);
            var datasetPolicy = RetentionPolicy.FromDaysAndGigabytes(r.DatasetKeepDays, r.DatasetKeepGigabytes);
            if (capturePolicy.IsEmpty && datasetPolicy.IsEmpty)
            {
                throw new UsageException("no limit given: use --keep-days/--keep-gb (captures) or --dataset-keep-days/--dataset-keep-gb, or set them under retention: in the settings file.");
            }
            string? captures = s.Run.Input ?? s.Capture.Directory;
            if (!capturePolicy.IsEmpty)
            {
                if (captures is null)
                {
                    throw new UsageException("capture limits need the capture tree: give --input or set run.input / capture.directory.");
                }
                ApplyCaptures(captures, s.Run.Output, capturePolicy, r.DeleteUnprocessed, dry, Console.Out);
            }
            if (!datasetPolicy.IsEmpty)
            {
                string dataset = s.Run.Output ?? throw new UsageException("dataset limits need --output (or run.output).");
                RetentionPlan plan = RetentionPlan.Decide(RetentionRunner.DatasetItems(dataset), datasetPolicy, DateTime.UtcNow);
                int n = RetentionRunner.Apply(plan, dataset, dry);
                Report("datasets", plan, n, dry, Console.Out);
            }
            return ExitCodes.Success;
        }));
        return command;
    }

    /// <summary>One pass over a capture tree; prints what it did (or would do) to <paramref name="log"/>.</summary>
    public static void ApplyCaptures(string root, string? output, RetentionPolicy policy, bool deleteUnprocessed, bool dryRun, TextWriter log)
    {
        RetentionPlan plan = RetentionPlan.Decide(RetentionRunner.CaptureItems(root, output, deleteUnprocessed), policy, DateTime.UtcNow);
        int n = RetentionRunner.Apply(plan, root, dryRun);
        Report("captures", plan, n, dryRun, log);
    }

    private static void Report(string what, RetentionPlan plan, int deleted, bool dryRun, TextWriter log)
    {
        lock (log)
        {
            if (dryRun)
            {
                foreach (RetentionItem i in plan.Delete)
                {
                    log.WriteLine($"would delete {i.Path} ({i.Bytes:N0} bytes, {i.Time:yyyy-MM-dd HH:mm:ss}Z)");
                }
            }
            log.WriteLine(dryRun
                ? $"retention ({what}): would delete {plan.Delete.Count} of {plan.TotalBytes:N0} bytes' items, freeing {plan.DeletedBytes:N0} bytes"
                : $"retention ({what}): deleted {deleted} item(s), freed {plan.DeletedBytes:N0} bytes; {plan.RemainingBytes:N0} bytes remain");
            if (plan.Protected.Count > 0)
            {
                var reasons = new Dictionary<string, int>(StringComparer.Ordinal);
                long bytes = 0;
                foreach (RetentionItem i in plan.Protected)
                {
                    reasons[i.KeepReason!] = reasons.GetValueOrDefault(i.KeepReason!) + 1;
                    bytes += i.Bytes;
                }
                foreach (KeyValuePair<string, int> kv in reasons)
                {
                    log.WriteLine($"retention ({what}): kept {kv.Value} item(s) past the limit: {kv.Key}");
                }
                log.WriteLine($"retention ({what}): {bytes:N0} bytes over the limit are protected");
            }
            log.Flush();
        }
    }
}
