using System.CommandLine;

namespace PcapStream.Cli.Commands;

/// <summary>`pcapstream ingest` (stub: not built yet).</summary>
public static class IngestCommand
{
    public static Command Create()
    {
        var command = new Command("ingest", "(not implemented yet)");
        command.SetAction(parse =>
        {
            Console.Error.WriteLine("pcapstream: 'ingest' is not implemented yet.");
            return ExitCodes.Failed;
        });
        return command;
    }
}
