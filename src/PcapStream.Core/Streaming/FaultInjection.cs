using System.Globalization;

namespace PcapStream.Streaming;

/// <summary>
/// Test hooks that make the dangerous moments of a batch reachable by a crash test: pauses at named points
/// (<c>PCAPSTREAM_FAULT_PAUSE="after-sinks=300,part-rename=50"</c>, milliseconds) so a kill -9 can land there,
/// and injected I/O failures (<c>PCAPSTREAM_FAULT_FAIL="before-commit"</c>) so "disk full before the commit" can
/// be tested. Points: after-sources, row-group, part-rename, after-sinks, after-state, after-commit.
/// Unset (production), each check is one dictionary lookup on a frozen empty table per batch or row group.
/// </summary>
public static class FaultInjection
{
    private static readonly Dictionary<string, int> Pauses = Parse(Environment.GetEnvironmentVariable("PCAPSTREAM_FAULT_PAUSE"));
    private static readonly Dictionary<string, int> Failures = Parse(Environment.GetEnvironmentVariable("PCAPSTREAM_FAULT_FAIL"));

    /// <summary>Sleeps at <paramref name="point"/> when configured; throws an <see cref="IOException"/> when a failure is injected there.</summary>
    public static void Pause(string point)
    {
        if (Pauses.Count > 0 && Pauses.TryGetValue(point, out int ms))
        {
            // Announced so a crash test can kill exactly here.
            Console.Error.WriteLine("pcapstream: fault-pause " + point);
            Thread.Sleep(ms);
        }
        if (Failures.Count > 0 && Failures.ContainsKey(point))
        {
            throw new IOException($"injected failure at '{point}' (PCAPSTREAM_FAULT_FAIL): No space left on device");
        }
    }

    private static Dictionary<string, int> Parse(string? text)
    {
        var map = new Dictionary<string, int>(StringComparer.Ordinal);
        if (string.IsNullOrWhiteSpace(text))
        {
            return map;
        }
        foreach (string item in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            int eq = item.IndexOf('=', StringComparison.Ordinal);
            string name = eq < 0 ? item : item[..eq];
            int value = eq < 0 ? 0 : int.Parse(item.AsSpan(eq + 1), NumberStyles.Integer, CultureInfo.InvariantCulture);
            map[name] = value;
        }
        return map;
    }
}
