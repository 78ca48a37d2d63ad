using System.CommandLine;

namespace PcapStream.Cli.Commands;

/// <summary>`pcapstream capture` (stub: not built yet).</summary>
public static class CaptureCommand
{
    public static Command Create()
    {
        var command = new Command("capture", "(not implemented yet)");
        command.SetAction(parse =>
        {
            Console.Error.WriteLine("pcapstream: 'capture' is not implemented yet.");
            return ExitCodes.Failed;
        });
        return command;
    }
}
