using System.CommandLine;

namespace PcapStream.Cli.Commands;

/// <summary>`pcapstream sample` (stub: not built yet).</summary>
public static class SampleCommand
{
    public static Command Create()
    {
        var command = new Command("sample", "(not implemented yet)");
        command.SetAction(parse =>
        {
            Console.Error.WriteLine("pcapstream: 'sample' is not implemented yet.");
            return ExitCodes.Failed;
        });
        return command;
    }
}
