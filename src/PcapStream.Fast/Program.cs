using PcapStream.Decoding;
using PcapStream.Flows;
using PcapStream.Readers;

namespace PcapStream.Fast;

/// <summary>
/// <c>pcapstream-fast packets --count [--format tsv|csv|json] FILE</c> and
/// <c>pcapstream-fast flows --count [--format tsv|csv|json] FILE...</c>: the counting commands of
/// <c>pcapstream</c>, Native AOT-compiled (no JIT, no start-up compilation). Output and exit codes are those of
/// <c>pcapstream</c>: 0 success, 1 the work failed (one sentence on stderr), 2 anything else, which the
/// <c>./pcapstream</c> wrapper never sends here (it sends only the exact forms above).
/// </summary>
public static class Program
{
    public static int Main(string[] args)
    {
        if (!TryParse(args, out bool flows, out bool json, out List<string> files))
        {
            Console.Error.WriteLine("usage: pcapstream-fast packets|flows --count [--format tsv|csv|json] FILE...");
            return 2;
        }
        try
        {
            foreach (string file in files)
            {
                if (!File.Exists(file))
                {
                    Console.Error.WriteLine($"pcapstream: {file}: no such file.");
                    return 1;
                }
            }
            using Stream stdout = Console.OpenStandardOutput();
            if (flows)
            {
                FlowFeed.CountFiles(files, stdout, json);
            }
            else
            {
                PacketTotals.CountFile(files[0], stdout, json);
            }
            return 0;
        }
        catch (Exception e) when (e is CaptureFormatException or IOException or UnauthorizedAccessException or InvalidDataException)
        {
            Console.Error.WriteLine($"pcapstream: {e.Message}");
            return 1;
        }
    }

    /// <summary>Accepts exactly COMMAND, --count/-c, optional --format VALUE, and the files (one for packets).</summary>
    private static bool TryParse(string[] args, out bool flows, out bool json, out List<string> files)
    {
        flows = false;
        json = false;
        files = [];
        if (args.Length == 0 || (args[0] != "packets" && args[0] != "flows"))
        {
            return false;
        }
        flows = args[0] == "flows";
        bool count = false;
        for (int i = 1; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--count" or "-c":
                    count = true;
                    break;
                case "--format" or "-f" when i + 1 < args.Length && args[i + 1] is "tsv" or "csv" or "json":
                    json = args[++i] == "json";
                    break;
                default:
                    if (args[i].StartsWith('-'))
                    {
                        return false;
                    }
                    files.Add(args[i]);
                    break;
            }
        }
        return count && files.Count > 0 && (flows || files.Count == 1);
    }
}
