using PcapStream.Tests.Streaming;
using PcapStream.Tests.Support;

namespace PcapStream.Tests.Cli;

/// <summary>
/// The Native AOT <c>pcapstream query</c> prints what the JIT program prints, including the result types DuckDB.NET
/// builds by reflection (MAP and STRUCT: returned as JSON, see QuerySession.Execute) — under AOT those crashed the
/// program before. Skipped when clang is not installed.
/// </summary>
public sealed class AotQueryTests
{
    [Fact]
    public void Aot_and_jit_query_print_the_same_results_in_every_format_including_map_and_struct_columns()
    {
        string aot = AotBuild.Require();
        string capture = SharedData.Require("pcaps/ethernet/simple_http.pcap");
        using var dirs = new TestDirs("aot-query");
        string output = dirs.Sub("out");
        Assert.Equal(0, CliRunner.Run("ingest", capture, "--output", output).ExitCode);
        string[] queries =
        [
            "select histogram(protocol) as h, struct_pack(a := 1, b := 'x') as st, map([1, 2], ['a', 'b']) as m, count(*) as n from packets",
            "select protocol, count(*) as packets, max(length), avg(length) from packets group by protocol order by protocol",
            "select flowId, srcIP, dstPort, files, firstSeen from flows order by flowId limit 5",
        ];
        foreach (string sql in queries)
        {
            foreach (string format in new[] { "csv", "json" })
            {
                CliRunner.Result jit = CliRunner.Run("query", "--output", output, "--format", format, sql);
                CliRunner.Result native = AotBuild.Run(aot, "query", "--output", output, "--format", format, sql);
                Assert.True(jit.ExitCode == 0, $"{format} {sql}: JIT failed: {jit.Stderr}");
                Assert.True(native.ExitCode == 0, $"{format} {sql}: AOT failed: {native.Stderr}");
                Assert.Equal(jit.Stdout, native.Stdout);
            }
        }
    }
}
