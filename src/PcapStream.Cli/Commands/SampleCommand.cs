using System.CommandLine;
using PcapStream.Sample;

namespace PcapStream.Cli.Commands;

/// <summary>
/// `pcapstream sample --output DIR [--sensors 2] [--minutes N] [--flows N] [--seed N]`: writes deterministic sample
/// captures, rotated as tcpdump -G does, for trying the job without capture privileges.
/// </summary>
public static class SampleCommand
{
    public static Command Create()
    {
        var output = new Option<string>("--output", "-o") { Description = "Directory to write the captures into (DIR/<sensor>/YYYY/MM/DD/).", Required = true };
        var sensors = new Option<int>("--sensors") { Description = "Capture streams (sensor folders).", DefaultValueFactory = _ => 2 };
        var minutes = new Option<int>("--minutes") { Description = "Minutes of traffic per sensor (one file per minute).", DefaultValueFactory = _ => 6 };
        var flows = new Option<int>("--flows") { Description = "Flows in total.", DefaultValueFactory = _ => 3000 };
        var seed = new Option<int>("--seed") { Description = "Seed: the same seed gives the same bytes.", DefaultValueFactory = _ => 1 };
        var command = new Command("sample", "Write deterministic sample captures (rotated, several sensors) to try the job on.")
        {
            output, sensors, minutes, flows, seed,
        };
        command.SetAction(parse => CommandRunner.Run(parse, () =>
        {
            var options = new SampleOptions
            {
                Sensors = parse.GetValue(sensors),
                Minutes = parse.GetValue(minutes),
                Flows = parse.GetValue(flows),
                Seed = parse.GetValue(seed),
            };
            if (options.Sensors < 1 || options.Minutes < 1 || options.Flows < 0)
            {
                throw new UsageException("--sensors and --minutes must be at least 1, --flows at least 0.");
            }
            string dir = parse.GetValue(output)!;
            IReadOnlyList<SampleFile> files = SampleCaptureGenerator.Generate(dir, options);
            long packets = 0;
            foreach (SampleFile f in files)
            {
                packets += f.Packets;
            }
            Console.Error.WriteLine($"pcapstream: wrote {files.Count} capture files ({packets} packets, {options.Sensors} sensors) under {dir}");
            return ExitCodes.Success;
        }));
        return command;
    }
}
