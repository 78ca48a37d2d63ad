namespace PcapStream.Cli;

/// <summary>Process exit codes (DESIGN.md "Commands").</summary>
public static class ExitCodes
{
    public const int Success = 0;
    /// <summary>The work failed; stderr says which file, offset and why.</summary>
    public const int Failed = 1;
    /// <summary>Bad usage (unknown option, missing argument, invalid value).</summary>
    public const int Usage = 2;
}
