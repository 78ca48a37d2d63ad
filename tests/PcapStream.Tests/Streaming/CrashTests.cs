using System.Diagnostics;

namespace PcapStream.Tests.Streaming;

/// <summary>
/// Runs the built `pcapstream run` as a child process and stops it at random moments (kill -9, or SIGTERM),
/// including exactly during Parquet writes and between the sinks and the commit (fault-injection pauses
/// announce themselves on stderr), restarting each time. The final datasets must equal a one-shot ingest.
/// </summary>
public class CrashTests
{
    private const int Stops = 22;

    [Fact]
    public void Kill_9_at_random_moments_loses_no_row_and_duplicates_none() => StopRepeatedly(sigterm: false);

    [Fact]
    public void SIGTERM_at_random_moments_exits_0_and_loses_no_row_and_duplicates_none() => StopRepeatedly(sigterm: true);

    private static void StopRepeatedly(bool sigterm)
    {
        using var dirs = new TestDirs(sigterm ? "crash-term" : "crash-kill");
        string input = dirs.Sub("in"), output = dirs.Sub("out");
        EndToEndTests.MakeSample(input, minutes: 8, flows: 800);
        string expected = EndToEndTests.IngestOnce(input, dirs.Sub("expected"));

        var rng = new Random(sigterm ? 2 : 1);
        string[] targets = ["fault-pause row-group", "fault-pause after-sinks", "fault-pause after-state", "fault-pause part-rename", "fault-pause after-sources", ""];
        int stops = 0, finishedEarly = 0;
        var hit = new HashSet<string>();
        for (int round = 0; round < 200 && stops < Stops; round++)
        {
            string target = targets[rng.Next(targets.Length)];
            using Process child = Start(input, output);
            var seen = new ManualResetEventSlim();
            var spoke = new ManualResetEventSlim();
            child.ErrorDataReceived += (_, e) =>
            {
                if (e.Data is not null)
                {
                    spoke.Set();
                }
                if (e.Data is not null && target.Length > 0 && e.Data.Contains(target, StringComparison.Ordinal))
                {
                    seen.Set();
                }
            };
            child.BeginErrorReadLine();
            // A SIGTERM before the runtime has started and the job has installed its handler ends the process with
            // the default action (exit 143, nothing written yet): on a loaded machine start-up alone can take longer
            // than the random delay, so SIGTERM's random moments count from the job's first line (its first batch).
            if (sigterm && target.Length == 0)
            {
                spoke.Wait(TimeSpan.FromSeconds(20));
            }
            // Either at the announced point, or at a random moment.
            bool atPoint = target.Length > 0
                ? seen.Wait(TimeSpan.FromSeconds(20))
                : !child.WaitForExit(rng.Next(50, 1500));
            if (child.HasExited)
            {
                Assert.Equal(0, child.ExitCode);
                finishedEarly++;
                // Everything was drained: start over from an empty output to keep stopping at new moments.
                DatasetComparer.AssertSameRows(expected, output, "packets");
                DatasetComparer.AssertSameRows(expected, output, "flows");
                Directory.Delete(output, recursive: true);
                continue;
            }
            if (target.Length > 0 && atPoint)
            {
                Thread.Sleep(rng.Next(0, 40));
                hit.Add(target);
            }
            Stop(child, sigterm);
            stops++;
            Assert.True(child.WaitForExit(30_000), "the job did not stop");
            if (sigterm)
            {
                Assert.Equal(0, child.ExitCode);
            }
        }
        Assert.True(stops >= Stops, $"only {stops} stops");
        Assert.Contains("fault-pause row-group", hit);
        Assert.Contains("fault-pause after-sinks", hit);

        // Finish undisturbed, then compare.
        using (Process last = Start(input, output))
        {
            last.BeginErrorReadLine();
            Assert.True(last.WaitForExit(120_000), "the last run did not finish");
            Assert.Equal(0, last.ExitCode);
        }
        DatasetComparer.AssertSameRows(expected, output, "packets");
        DatasetComparer.AssertSameRows(expected, output, "flows");
        Assert.Empty(Directory.GetFiles(output, "*.tmp", SearchOption.AllDirectories));
    }

    private static Process Start(string input, string output)
    {
        string exe = Path.Combine(AppContext.BaseDirectory, "pcapstream");
        var info = new ProcessStartInfo(exe)
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        foreach (string a in new[] { "run", "--input", input, "--output", output, "--once", "--flush-at-end", "--max-files-per-batch", "2", "--completion", "All" })
        {
            info.ArgumentList.Add(a);
        }
        info.Environment["PCAPSTREAM_FAULT_PAUSE"] = "after-sources=40,row-group=30,part-rename=20,after-sinks=120,after-state=60";
        info.Environment["PCAPSTREAM_TEST_PACKET_ROW_GROUP"] = "4096";
        return Process.Start(info) ?? throw new InvalidOperationException("cannot start pcapstream");
    }

    private static void Stop(Process child, bool sigterm)
    {
        if (!sigterm)
        {
            child.Kill(entireProcessTree: false); // SIGKILL on Linux
            return;
        }
        using Process kill = Process.Start("kill", ["-TERM", child.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        kill.WaitForExit();
    }
}
