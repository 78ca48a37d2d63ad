using System.Diagnostics;

namespace PcapStream.Tests.Cli;

/// <summary>Runs the built <c>pcapstream</c> program (copied beside the tests) as a real process.</summary>
internal static class CliRunner
{
    public sealed record Result(int ExitCode, string Stdout, string Stderr)
    {
        /// <summary>Stdout split into lines (the trailing newline gives no empty last line; CRLF and LF both end a line).</summary>
        public string[] Lines => Stdout.Replace("\r\n", "\n").TrimEnd('\n').Split('\n', StringSplitOptions.None) is [""] ? [] : Stdout.Replace("\r\n", "\n").TrimEnd('\n').Split('\n');
    }

    public static Result Run(params string[] args) => Run(null, args);

    public static Result Run(IReadOnlyDictionary<string, string>? environment, params string[] args)
    {
        string exe = Path.Combine(AppContext.BaseDirectory, "pcapstream");
        var start = new ProcessStartInfo(exe)
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
