using System.CommandLine;

namespace PcapStream.Cli.Commands;

/// <summary>`pcapstream query` (stub: not built yet).</summary>
public static class QueryCommand
{
    public static Command Create()
    {
        var command = new Command("query", "(not implemented yet)");
        command.SetAction(parse =>
        {
            Console.Error.WriteLine("pcapstream: 'query' is not implemented yet.");
            return ExitCodes.Failed;
        });
        return command;
    }
}
