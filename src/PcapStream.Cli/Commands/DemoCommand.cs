using System.CommandLine;

namespace PcapStream.Cli.Commands;

/// <summary>`pcapstream demo` (stub: not built yet).</summary>
public static class DemoCommand
{
    public static Command Create()
    {
        var command = new Command("demo", "(not implemented yet)");
        command.SetAction(parse =>
        {
            Console.Error.WriteLine("pcapstream: 'demo' is not implemented yet.");
            return ExitCodes.Failed;
        });
        return command;
    }
}
