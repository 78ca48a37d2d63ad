using System.CommandLine;

namespace PcapStream.Cli;

/// <summary>Options every command understands.</summary>
public static class GlobalOptions
{
    /// <summary>Show stack traces with errors.</summary>
    public static readonly Option<bool> Verbose = new("--verbose", "-v")
    {
        Description = "Show full error details (stack traces).",
        Recursive = true,
    };
}
