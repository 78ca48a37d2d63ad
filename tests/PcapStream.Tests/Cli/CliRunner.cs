using System.Diagnostics;

namespace PcapStream.Tests.Cli;

/// <summary>Runs the built <c>pcapstream</c> program (copied beside the tests) as a real process.</summary>
internal static class CliRunner
{
    public sealed record Result(int ExitCode, string Stdout, string Stderr)
    {
        /// <summary>Stdout split into lines (the trailing newline gives no empty last line; CRLF and LF both end a line).</summary>
        public string[] Lines => Stdout.Replace("\r\n", "\n").TrimEnd('\n') is { Length: > 0 } text ? text.Split('\n') : [];
    }

    public static Result Run(params string[] args) => Run(null, args);

    public static Result Run(IReadOnlyDictionary<string, string>? environment, params string[] args) =>
        RunProgram(Path.Combine(AppContext.BaseDirectory, "pcapstream"), environment, args);

    /// <summary>Runs any program to its end with stdout and stderr captured (stderr read concurrently, so neither pipe fills up).</summary>
    public static Result RunProgram(string program, IReadOnlyDictionary<string, string>? environment, params string[] args)
    {
        var start = new ProcessStartInfo(program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string a in args)
        {
            start.ArgumentList.Add(a);
        }
        if (environment is not null)
        {
            foreach (var (k, v) in environment)
            {
                start.Environment[k] = v;
            }
        }
        using Process process = Process.Start(start)!;
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        string stdout = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return new Result(process.ExitCode, stdout, stderr.Result);
    }
}
