using System.Data.Common;
using System.Diagnostics;
using System.Globalization;
using PcapStream.Query;
using PcapStream.Sample;
using PcapStream.Streaming;
using PcapStream.Tests.Support;

namespace PcapStream.Tests.Query;

/// <summary>A flows row as PcapStream's own flows dataset has it (which flow to extract; never the expected answer).</summary>
internal sealed record FlowRow(string FlowId, string CommunityId, int IpVersion, string Protocol, string SrcIP, int? SrcPort,
    string DstIP, int? DstPort, int? Vlan, long Packets, int Files, long FirstSeenNanos, long LastSeenNanos);

/// <summary>
/// Datasets made by the real <c>ingest</c> (the streaming job, in process) from captures: the project's sample
/// generator or the shared corpus. The tests' expected answers come from the captures by other paths
/// (<see cref="CaptureWalk"/>, tshark, capinfos), never from these datasets.
/// </summary>
internal static class Ingested
{
    /// <summary>Sample captures: 2 sensors x 4 rotated one-minute files across midnight (two dates, two hours).</summary>
    private static readonly Lazy<(string Input, string Output, string Merged)> SampleData = new(BuildSample);

    /// <summary>The sample's input folder, output folder, and all its captures merged in time order (for tshark).</summary>
    public static (string Input, string Output, string Merged) Sample => SampleData.Value;

    private static (string, string, string) BuildSample()
    {
        string dir = Directory.CreateTempSubdirectory("pcapstream-query-sample").FullName;
        string input = Path.Combine(dir, "in"), output = Path.Combine(dir, "out"), merged = Path.Combine(dir, "merged.pcap");
        IReadOnlyList<SampleFile> files = SampleCaptureGenerator.Generate(input,
            new SampleOptions { Sensors = 2, Minutes = 4, Flows = 600, Seed = 5 });
        Ingest(output, input);
        Run("mergecap", ["-F", "pcap", "-w", merged, .. files.Select(f => f.Path)]);
        return (input, output, merged);
    }

    /// <summary>Runs a one-shot ingest (what <c>pcapstream ingest</c> does) of <paramref name="inputs"/> into <paramref name="output"/>.</summary>
    public static string Ingest(string output, params string[] inputs)
    {
        using var job = new StreamingJob(new JobOptions
        {
            Inputs = inputs,
            Output = output,
            Once = true,
            FlushAtEnd = true,
            Source = new SourceOptions { Completion = CompletionMode.All },
        }, TextWriter.Null);
        Assert.True(job.Run(CancellationToken.None) > 0, "ingest committed no batch");
        return output;
    }

    /// <summary>The flows of a dataset, read through the flows view.</summary>
    public static List<FlowRow> Flows(string output)
    {
        using QuerySession s = QuerySession.Open(output);
        using DbDataReader r = s.Execute("""
            select flowId, communityId, ipVersion, protocol, srcIP, srcPort, dstIP, dstPort, vlan,
                   srcPackets + dstPackets, len(files), firstSeenNanos, lastSeenNanos from flows order by firstSeenNanos, flowId
            """);
        var flows = new List<FlowRow>();
        while (r.Read())
        {
            int? Int(int i) => r.IsDBNull(i) ? null : Convert.ToInt32(r.GetValue(i), CultureInfo.InvariantCulture);
            flows.Add(new FlowRow(r.GetString(0), r.IsDBNull(1) ? "" : r.GetString(1), Int(2) ?? 0, r.GetString(3),
                r.GetString(4), Int(5), r.GetString(6), Int(7), Int(8),
                Convert.ToInt64(r.GetValue(9), CultureInfo.InvariantCulture), Int(10) ?? 0, r.GetInt64(11), r.GetInt64(12)));
        }
        return flows;
    }

    /// <summary>
    /// Flows whose addresses, ports (none for ICMP), protocol and VLAN no other flow shares, so tshark's filter on
    /// them selects exactly that flow's packets.
    /// </summary>
    public static IEnumerable<FlowRow> Unique(List<FlowRow> flows)
    {
        string Key(FlowRow f)
        {
            string a = $"{f.SrcIP}/{(f.Protocol.StartsWith("ICMP", StringComparison.Ordinal) ? null : f.SrcPort)}";
            string b = $"{f.DstIP}/{(f.Protocol.StartsWith("ICMP", StringComparison.Ordinal) ? null : f.DstPort)}";
            return $"{f.Protocol} {f.Vlan} {(string.CompareOrdinal(a, b) < 0 ? a + " " + b : b + " " + a)}";
        }
        return flows.GroupBy(Key).Where(g => g.Count() == 1).Select(g => g.First());
    }

    /// <summary>tshark's display filter for a flow's addresses, ports and VLAN: the independent path to its packets.</summary>
    public static string Filter(FlowRow f)
    {
        string ip = f.IpVersion == 6 ? "ipv6" : "ip";
        string filter = $"{ip}.addr == {f.SrcIP} && {ip}.addr == {f.DstIP}";
        filter += f.Protocol switch
        {
            "TCP" => $" && tcp.port == {f.SrcPort} && tcp.port == {f.DstPort}",
            "UDP" => $" && udp.port == {f.SrcPort} && udp.port == {f.DstPort}",
            "ICMP" => " && icmp && !udp && !tcp",
            "ICMPv6" => " && icmpv6 && !udp && !tcp",
            _ => "",
        };
        return filter + (f.Vlan is int v ? $" && vlan.id == {v}" : " && !vlan");
    }

    /// <summary>tshark's field output, one line per frame (IP reassembly off, so each frame is reported as itself).</summary>
    public static string[] Tshark(string path, params string[] fields) =>
        Run("tshark", ["-n", "-r", path, "-o", "ip.defragment:FALSE", "-o", "ipv6.defragment:FALSE", "-T", "fields",
            "-E", "separator=/t", "-E", "occurrence=f", .. fields]).Split('\n', StringSplitOptions.RemoveEmptyEntries);

    /// <summary>The packets tshark's filter selects from <paramref name="capture"/>, written to <paramref name="file"/>.</summary>
    public static string TsharkSelect(string capture, string filter, string file)
    {
        Run("tshark", ["-r", capture, "-Y", filter, "-w", file, "-F", "pcap"]);
        return file;
    }

    /// <summary>Runs a Wireshark tool (C locale, UTC, a private config), skipping the test when it is not installed.</summary>
    public static string Run(string program, IEnumerable<string> args)
    {
        var info = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string a in args)
        {
            info.ArgumentList.Add(a);
        }
        string config = Directory.CreateTempSubdirectory("ws-config").FullName;
        info.Environment["WIRESHARK_CONFIG_DIR"] = config;
        info.Environment["LC_ALL"] = "C";
        info.Environment["TZ"] = "UTC";
        Process p;
        try
        {
            p = Process.Start(info)!;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            Assert.Skip($"'{program}' is not installed (Debian package tshark / wireshark-common).");
            throw;
        }
        using (p)
        {
            Task<string> err = p.StandardError.ReadToEndAsync();
            string output = p.StandardOutput.ReadToEnd();
            p.WaitForExit();
            Assert.True(p.ExitCode == 0, $"{program} failed: {err.Result}");
            Directory.Delete(config, true);
            return output;
        }
    }

    /// <summary>The shared corpus captures under pcaps/ (skips the test when the corpus is absent).</summary>
    public static string Corpus(string relative) => SharedData.Require("pcaps/" + relative);
}
