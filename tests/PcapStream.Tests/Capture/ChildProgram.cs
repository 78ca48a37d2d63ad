using System.Diagnostics;
using System.Text;
using PcapStream.Capture;

namespace PcapStream.Tests.Capture;

/// <summary>The built <c>pcapstream</c> program running as a child process, its stdout and stderr collected.</summary>
internal sealed class ChildProgram : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    public ChildProgram(params string[] args)
        : this(null, args)
    {
    }

    /// <param name="environment">Extra environment variables (fault injection), or null.</param>
    /// <param name="args">The program's arguments.</param>
    public ChildProgram(IReadOnlyDictionary<string, string>? environment, params string[] args)
    {
        var psi = new ProcessStartInfo(Path.Combine(AppContext.BaseDirectory, "pcapstream"))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string a in args)
        {
            psi.ArgumentList.Add(a);
        }
        foreach ((string k, string v) in environment ?? new Dictionary<string, string>())
        {
            psi.Environment[k] = v;
        }
        _process = Process.Start(psi)!;
        _process.OutputDataReceived += (_, e) => Append(e.Data);
        _process.ErrorDataReceived += (_, e) => Append(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        Args = string.Join(' ', args);
    }

    public string Args { get; }

    public int Id => _process.Id;

    public bool HasExited => _process.HasExited;

    /// <summary>Everything written so far (stdout and stderr interleaved).</summary>
    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    /// <summary>Waits for the exit and returns its code; fails the test (killing the child) after <paramref name="timeout"/>.</summary>
    public int WaitForExit(TimeSpan timeout)
    {
        if (!_process.WaitForExit(timeout))
        {
            _process.Kill(entireProcessTree: true);
            Assert.Fail($"pcapstream {Args} did not exit within {timeout.TotalSeconds:0} s:\n{Output}");
        }
        _process.WaitForExit();
        return _process.ExitCode;
    }

    /// <summary>SIGTERM (a clean stop: systemd stop).</summary>
    public void Terminate() => Native.Kill(_process.Id, Native.SigTerm);

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit();
        }
        _process.Dispose();
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }
        lock (_output)
        {
            _output.AppendLine(line);
        }
    }
}
