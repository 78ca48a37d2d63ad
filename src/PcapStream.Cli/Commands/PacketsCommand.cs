using System.CommandLine;

namespace PcapStream.Cli.Commands;

/// <summary>`pcapstream packets` (stub: not built yet).</summary>
public static class PacketsCommand
{
    public static Command Create()
    {
        var command = new Command("packets", "(not implemented yet)");
        command.SetAction(parse =>
        {
            Console.Error.WriteLine("pcapstream: 'packets' is not implemented yet.");
            return ExitCodes.Failed;
        });
        return command;
    }
}
