using System.CommandLine;

namespace PcapStream.Cli.Commands;

/// <summary>`pcapstream flows` (stub: not built yet).</summary>
public static class FlowsCommand
{
    public static Command Create()
    {
        var command = new Command("flows", "(not implemented yet)");
        command.SetAction(parse =>
        {
            Console.Error.WriteLine("pcapstream: 'flows' is not implemented yet.");
            return ExitCodes.Failed;
        });
        return command;
    }
}
