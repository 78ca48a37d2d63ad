using System.Text.Json;
using DuckDB.NET.Data;
using PcapStream.Decoding;
using PcapStream.Output;
using PcapStream.Readers;
using PcapStream.Streaming;
using PcapStream.Tests.Support;

namespace PcapStream.Tests.Streaming;

/// <summary>
/// The Parquet datasets and <see cref="PacketColumns"/> / <see cref="FlowColumns"/> are one definition: same
/// names, order, types and null rules, and every packets cell equals what the column getters (what the
/// <c>packets</c> command prints) give for that packet. Checked on real captures with IPv6, tunnels and VLANs,
/// read back by DuckDB; also that sources/&lt;batch&gt; records the input root the <c>file</c> column is under.
/// </summary>
public class ColumnAgreementTests
{
    private static readonly string[] Captures =
    [
        "tunnels/various_gre.pcap", "tunnels/vxlan.pcap", "ipv6/icmpv6.pcap", "ipv6/ipv6_ah_modes.pcap",
        "ipv6/ipv6-srh-ext-header.pcap", "ethernet/simple_http.pcap",
    ];

    [Fact]
    public void Every_packets_cell_equals_the_PacketColumns_value_and_the_file_column_is_under_the_recorded_input_root()
    {
        string root = SharedData.Require("pcaps");
        using var dirs = new TestDirs("columns");
        string output = dirs.Sub("out");
        string[] inputs = [.. Captures.Select(c => Path.Combine(root, c))];
        using (var job = new StreamingJob(new JobOptions
        {
            Inputs = inputs,
            Output = output,
            Once = true,
            FlushAtEnd = true,
            Source = new SourceOptions { Completion = CompletionMode.All },
        }, TextWriter.Null))
        {
            job.Run(CancellationToken.None);
        }

        // The source log names the input root (the deepest folder holding every input), and file is relative to it.
        string source = File.ReadAllText(Path.Combine(output, "_pcapstream", "sources", "0"));
        using JsonDocument doc = JsonDocument.Parse(source[(source.IndexOf('\n', StringComparison.Ordinal) + 1)..]);
        Assert.Equal(Path.GetFullPath(root).TrimEnd('/'), doc.RootElement.GetProperty("inputRoot").GetString());

        using var db = new DuckDBConnection("DataSource=:memory:");
        db.Open();
        using DuckDBCommand cmd = db.CreateCommand();
        cmd.CommandText = $"SELECT * EXCLUDE (date, hour) FROM {DatasetComparer.Source(output, "packets")} ORDER BY file, frameNumber";
        using var reader = cmd.ExecuteReader();
        Assert.Equal(PacketColumns.Count, reader.FieldCount);
        for (int i = 0; i < PacketColumns.Count; i++)
        {
            Assert.Equal(PacketColumns.Columns[i].Name, reader.GetName(i));
        }

        long rows = 0;
        Span<byte> communityId = stackalloc byte[CommunityId.MaxTextLength];
        foreach (string relative in Captures.Order(StringComparer.Ordinal))
        {
            using CaptureReader capture = CaptureReader.Open(Path.Combine(root, relative));
            var packet = default(DecodedPacket);
            while (capture.TryRead(out CaptureRecord record))
            {
                PacketDecoder.Decode(record.Data, record.LinkType, record.OriginalLength, ref packet);
                PacketRow row = PacketRow.From(record, in packet, "default", relative, communityId);
                Assert.True(reader.Read(), $"{relative}: fewer rows than packets");
                rows++;
                for (int c = 0; c < PacketColumns.Count; c++)
                {
                    PacketCellAssert.Equal(reader, c, in row, $"{relative} frame {record.FrameNumber} column {PacketColumns.Columns[c].Name}");
                }
            }
        }
        Assert.False(reader.Read(), "more rows than packets");
        Assert.True(rows > 100);
    }

    [Fact]
    public void The_flows_schema_is_the_FlowColumns_list()
    {
        using var dirs = new TestDirs("flow-columns");
        string input = dirs.Sub("in"), output = dirs.Sub("out");
        EndToEndTests.MakeSample(input, minutes: 2, flows: 100);
        EndToEndTests.IngestOnce(input, output);
        using var db = new DuckDBConnection("DataSource=:memory:");
        db.Open();
        using DuckDBCommand cmd = db.CreateCommand();
        cmd.CommandText = $"SELECT * EXCLUDE (date, hour) FROM {DatasetComparer.Source(output, "flows")}";
        using var reader = cmd.ExecuteReader();
        Assert.Equal(FlowColumns.Columns.Count, reader.FieldCount);
        for (int i = 0; i < reader.FieldCount; i++)
        {
            Assert.Equal(FlowColumns.Columns[i].Name, reader.GetName(i));
        }
        // Null rules: TCP flag unions only for TCP, never for UDP/ICMP.
        Assert.Equal(0, DatasetComparer.Scalar($"SELECT count(*) FROM {DatasetComparer.Source(output, "flows")} WHERE (ipProto = 6) <> (tcpFlagsSrc IS NOT NULL)"));
        Assert.True(DatasetComparer.Scalar($"SELECT count(*) FROM {DatasetComparer.Source(output, "flows")} WHERE ipProto <> 6") > 0);
    }
}
