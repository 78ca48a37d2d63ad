using System.CommandLine;
using System.Runtime.InteropServices;
using PcapStream.Capture;
using PcapStream.Config;
using PcapStream.Retention;

namespace PcapStream.Cli.Commands;

/// <summary>
/// <c>pcapstream capture</c>: tcpdump with rotation into DIR/&lt;sensor&gt;/YYYY/MM/DD, files hidden until
/// finished (docs/capture.md). Runs until Ctrl-C / SIGTERM or --max-files; exit 1 when tcpdump failed.
/// </summary>
public static class CaptureCommand
{
    public static Command Create()
    {
        var iface = new Option<string[]>("--interface", "-i") { Description = "Interface to capture on (repeat for several; each is its own capture stream). Default: the one with the default route." };
        var dir = new Option<string>("--dir") { Description = "Capture root; files go to DIR/<sensor>/YYYY/MM/DD/." };
        var sensor = new Option<string>("--sensor") { Description = "Sensor name (folder under DIR). Default: the interface name." };
        var rotateSeconds = new Option<int>("--rotate-seconds") { Description = "Seconds per file (default 20)." };
        var rotateMb = new Option<int>("--rotate-mb") { Description = "Also rotate past this many MB (10^6 bytes); 0 = off (default 100)." };
        var maxFiles = new Option<int>("--max-files") { Description = "Stop after this many files (default: run until stopped)." };
        var snaplen = new Option<int>("--snaplen") { Description = "Bytes kept per packet; 0 = whole packet (default)." };
        var filter = new Option<string>("--filter") { Description = "BPF capture filter (tcpdump syntax)." };
        var prefix = new Option<string>("--prefix") { Description = "File name prefix (default dump)." };
        var dirFormat = new Option<string>("--dir-format") { Description = "Date folders, %Y %m %d %H %M %S (default %Y/%m/%d; empty = none)." };
        var stats = new Option<int>("--stats-interval") { Description = "Seconds between tcpdump drop-counter reports; 0 = only at exit (default 60)." };
        var user = new Option<string>("--user") { Description = "When run as root, the user tcpdump drops to (default: stays root)." };
        var keepDays = new Option<double>("--keep-days") { Description = "Delete captures older than this many days while capturing (needs --output, see docs)." };
        var keepGb = new Option<double>("--keep-gb") { Description = "Keep the capture tree under this many GB while capturing." };
        var output = new Option<string>("--output") { Description = "Dataset root of the job reading these captures: retention keeps what it still needs." };
        var config = SettingsFlags.Config();

        var command = new Command("capture", "Capture with tcpdump into rotated files that become visible only once complete.");
        foreach (Option o in (Option[])[iface, dir, sensor, rotateSeconds, rotateMb, maxFiles, snaplen, filter, prefix, dirFormat, stats, user, keepDays, keepGb, output, config])
        {
            command.Options.Add(o);
        }
        command.SetAction(parse => CommandRunner.Run(parse, () =>
        {
            PcapStreamSettings settings = SettingsFlags.Load(parse, config);
            SettingsFlags.Apply(parse, settings, iface, "capture.interfaces");
            SettingsFlags.Apply(parse, settings, dir, "capture.directory");
            SettingsFlags.Apply(parse, settings, sensor, "capture.sensor");
            SettingsFlags.Apply(parse, settings, rotateSeconds, "capture.rotateSeconds");
            SettingsFlags.Apply(parse, settings, rotateMb, "capture.rotateMegabytes");
            SettingsFlags.Apply(parse, settings, maxFiles, "capture.maxFiles");
            SettingsFlags.Apply(parse, settings, snaplen, "capture.snaplen");
            SettingsFlags.Apply(parse, settings, filter, "capture.filter");
            SettingsFlags.Apply(parse, settings, prefix, "capture.filePrefix");
            SettingsFlags.Apply(parse, settings, dirFormat, "capture.directoryFormat");
            SettingsFlags.Apply(parse, settings, stats, "capture.statsIntervalSeconds");
            SettingsFlags.Apply(parse, settings, user, "capture.user");
            SettingsFlags.Apply(parse, settings, keepDays, "retention.captureKeepDays");
            SettingsFlags.Apply(parse, settings, keepGb, "retention.captureKeepGigabytes");
            SettingsFlags.Apply(parse, settings, output, "run.output");
            return Execute(settings);
        }));
        return command;
    }

    private static int Execute(PcapStreamSettings settings)
    {
        CaptureSettings c = settings.Capture;
        if (c.Directory is null)
        {
            throw new UsageException("no capture directory: give --dir or set capture.directory.");
        }
        List<string> interfaces = c.Interfaces.Count > 0 ? [.. c.Interfaces]
            : [DefaultRoute.Find() ?? throw new UsageException("this machine has no default route to pick an interface from; give -i IFACE.")];
        string tcpdump = CaptureDiagnosis.FindTcpdump(c.Tcpdump);
        List<CaptureStreamOptions> streams;
        try
        {
            streams = [.. CaptureStreamOptions.FromSettings(c, interfaces, tcpdump).Select(o => o with { JobOutput = settings.Run.Output })];
        }
        catch (SettingsException e)
        {
            throw new UsageException(e.Message);
        }

        using var stop = new CancellationTokenSource();
        // Ctrl-C and SIGTERM (systemd stop, docker stop) end the capture cleanly: the last file is finalised.
        using PosixSignalRegistration sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, Cancel);
        using PosixSignalRegistration sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Cancel);
        using PosixSignalRegistration sighup = PosixSignalRegistration.Create(PosixSignal.SIGHUP, Cancel);

        RetentionSettings r = settings.Retention;
        var policy = RetentionPolicy.FromDaysAndGigabytes(r.CaptureKeepDays, r.CaptureKeepGigabytes);
        string root = Path.GetFullPath(c.Directory);
        var supervisor = new CaptureSupervisor(streams, Console.Error)
        {
            StatsInterval = TimeSpan.FromSeconds(c.StatsIntervalSeconds),
            MaintenanceInterval = TimeSpan.FromSeconds(r.IntervalSeconds),
            Maintenance = policy.IsEmpty ? null : () => RetentionCommand.ApplyCaptures(root, settings.Run.Output, policy, r.DeleteUnprocessed, dryRun: false, Console.Error),
        };
        return supervisor.Run(stop.Token);

        void Cancel(PosixSignalContext context)
        {
            context.Cancel = true;
            stop.Cancel();
        }
    }
}
