using System.CommandLine;

namespace PcapStream.Cli.Commands;

/// <summary>`pcapstream run` (stub: not built yet).</summary>
public static class RunCommand
{
    public static Command Create()
    {
        var command = new Command("run", "(not implemented yet)");
        command.SetAction(parse =>
        {
            Console.Error.WriteLine("pcapstream: 'run' is not implemented yet.");
            return ExitCodes.Failed;
        });
        return command;
    }
}
