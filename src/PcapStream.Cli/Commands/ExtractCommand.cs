using System.CommandLine;

namespace PcapStream.Cli.Commands;

/// <summary>`pcapstream extract` (stub: not built yet).</summary>
public static class ExtractCommand
{
    public static Command Create()
    {
        var command = new Command("extract", "(not implemented yet)");
        command.SetAction(parse =>
        {
            Console.Error.WriteLine("pcapstream: 'extract' is not implemented yet.");
            return ExitCodes.Failed;
        });
        return command;
    }
}
