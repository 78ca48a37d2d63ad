using System.CommandLine;
using PcapStream.Readers;

namespace PcapStream.Cli;

/// <summary>
/// Runs a command body and turns failures into one clear sentence on stderr and an exit code, never a stack
/// trace unless --verbose.
/// </summary>
public static class CommandRunner
{
    public static int Run(ParseResult parse, Func<int> body)
    {
        bool verbose = parse.GetValue(GlobalOptions.Verbose);
        try
        {
            return body();
        }
        catch (UsageException e)
        {
            Console.Error.WriteLine($"pcapstream: {e.Message}");
            return ExitCodes.Usage;
        }
        catch (Exception e) when (e is CaptureFormatException or IOException or UnauthorizedAccessException or InvalidDataException or WorkFailedException)
        {
            Console.Error.WriteLine($"pcapstream: {e.Message}");
            if (verbose)
            {
                Console.Error.WriteLine(e);
            }
            return ExitCodes.Failed;
        }
        catch (OperationCanceledException)
        {
            Console.Error.WriteLine("pcapstream: cancelled.");
            return ExitCodes.Failed;
        }
    }
}

/// <summary>Bad usage discovered after parsing (conflicting options, ...): exit code 2.</summary>
public sealed class UsageException(string message) : Exception(message);

/// <summary>The work failed for a reason the message explains: exit code 1.</summary>
public sealed class WorkFailedException(string message, Exception? inner = null) : Exception(message, inner);
