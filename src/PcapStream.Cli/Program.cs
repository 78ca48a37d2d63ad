using System.CommandLine;
using PcapStream.Cli.Commands;

namespace PcapStream.Cli;

/// <summary>Entry point of the <c>pcapstream</c> program. Exit codes: 0 success, 1 the work failed, 2 bad usage.</summary>
public static class Program
{
    public static int Main(string[] args)
    {
        RootCommand root = BuildRoot();
        ParseResult parsed = root.Parse(args);
        if (parsed.Errors.Count > 0)
        {
            foreach (var error in parsed.Errors)
            {
                Console.Error.WriteLine($"pcapstream: {error.Message}");
            }
            Console.Error.WriteLine("Try 'pcapstream --help'.");
            return ExitCodes.Usage;
        }
        return parsed.Invoke();
    }

    /// <summary>The command tree; each command lives in its own file under Commands/.</summary>
    public static RootCommand BuildRoot()
    {
        var root = new RootCommand("PcapStream: packet captures to queryable traffic records (packets and flows) as fast as they are written.");
        root.Options.Add(GlobalOptions.Verbose);
        root.Subcommands.Add(RunCommand.Create());
        root.Subcommands.Add(IngestCommand.Create());
        root.Subcommands.Add(PacketsCommand.Create());
        root.Subcommands.Add(FlowsCommand.Create());
        root.Subcommands.Add(QueryCommand.Create());
        root.Subcommands.Add(ExtractCommand.Create());
        root.Subcommands.Add(CaptureCommand.Create());
        root.Subcommands.Add(RetentionCommand.Create());
        root.Subcommands.Add(SampleCommand.Create());
        root.Subcommands.Add(DemoCommand.Create());
        return root;
    }
}
