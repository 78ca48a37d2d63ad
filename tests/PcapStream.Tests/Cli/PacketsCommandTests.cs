using System.Globalization;
using System.Text;
using System.Text.Json;
using PcapStream.Output;
using PcapStream.Readers;
using PcapStream.Tests.Support;

namespace PcapStream.Tests.Cli;

/// <summary>
/// <c>pcapstream packets</c> as a user runs it (the built program, a real process): header, one row per packet
/// as tshark counts them, values as tshark prints them, CSV/JSON well-formed, totals, exit codes.
/// </summary>
public class PacketsCommandTests
{
    private static readonly string[] ColumnNames = PacketColumns.Columns.Select(c => c.Name).ToArray();

    public static TheoryData<string> Captures => new()
    {
        "ethernet/simple_http.pcap",
        "traffic/1kxun.pcap",
        "traffic/alexa-app.pcapng",
        "vlan/linecall_falsepositve.pcap",
        "ipv6/ipv6_ext_headers.pcap",
        "pcapng/test202.pcapng",
        "pcap-format/quic_handshake_truncated.pcap",
    };

    [Theory]
    [MemberData(nameof(Captures))]
    public void Tsv_has_the_schema_header_and_one_row_per_packet_with_tshark_frame_fields(string capture)
    {
        Prerequisites.RequireReaderAndDecoder();
        string path = SharedData.Require("pcaps/" + capture);
        Oracle oracle = Oracle.Load(capture);

        CliRunner.Result r = CliRunner.Run("packets", path);

        Assert.Equal(0, r.ExitCode);
        Assert.Equal("", r.Stderr);
        string[] lines = r.Lines;
        Assert.Equal(string.Join('\t', ColumnNames), lines[0]);
        Assert.Equal(oracle.Rows.Count, lines.Length - 1);
        for (int i = 0; i < oracle.Rows.Count; i++)
        {
            string[] want = oracle.Rows[i];
            string[] got = lines[i + 1].Split('\t');
            Assert.Equal(ColumnNames.Length, got.Length);
            string Col(PacketColumn c) => got[(int)c];
            string context = $"{capture} packet {i + 1}";
            Assert.True((i + 1).ToString(CultureInfo.InvariantCulture) == Col(PacketColumn.FrameNumber), context);
            Assert.True(oracle.Get(want, "frame_len") == Col(PacketColumn.Length), context);
            Assert.True(oracle.Get(want, "cap_len") == Col(PacketColumn.CapturedLength), context);
            string epoch = oracle.Get(want, "time_epoch");
            if (epoch.Length > 0)
            {
                Assert.True(epoch.Replace(".", "").TrimStart('0') == Col(PacketColumn.TimestampNanos), context);
                // The ISO column is the same instant in UTC, cut to microseconds.
                long nanos = long.Parse(Col(PacketColumn.TimestampNanos), CultureInfo.InvariantCulture);
                string iso = DateTime.UnixEpoch.AddTicks(nanos / 100)
                    .ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture);
                Assert.True(iso == Col(PacketColumn.Timestamp), context);
            }
            if (oracle.Get(want, "l4_proto") is "6" or "17" && oracle.Get(want, "ip_version") is "4" or "6"
                && oracle.Get(want, "ip_proto") == oracle.Get(want, "l4_proto"))
            {
                // Plain (untunnelled) IP: addresses as tshark prints them.
                Assert.True(oracle.Get(want, "src") == Col(PacketColumn.SrcIP), context);
                Assert.True(oracle.Get(want, "dst") == Col(PacketColumn.DstIP), context);
            }
        }
    }

    [Fact]
    public void Golden_row_of_an_http_syn()
    {
        Prerequisites.RequireReaderAndDecoder();
        string path = SharedData.Require("pcaps/ethernet/simple_http.pcap");
        CliRunner.Result r = CliRunner.Run("packets", "--sensor", "lab", path);
        // Values from tshark (frame 1: 127.0.0.1:32784 -> :56789 SYN, seq 4078721275, TTL 64, DF, win 65495);
        // Community ID by the implementation checked against the spec baselines.
        string expected = string.Join('\t',
            "2024-11-27T17:45:16.680626Z", "1732729516680626000", "1732729516680", "lab", path, "24", "1", "74", "74",
            "1", "", "4", "127.0.0.1", "127.0.0.1", "TCP", "6", "32784", "56789", "64", "true", "false", "0",
            "4078721275", "0", "2", "false", "false", "false", "false", "false", "false", "false", "true", "false",
            "65495", "", "", "", "", "0", "1:6TVvBz8DQ6d1T3BtRBOG7bjFqS0=", "", "", "", "");
        Assert.Equal(expected, r.Lines[1]);
    }

    [Fact]
    public void Csv_quotes_fields_per_rfc_4180_and_tsv_escapes_tabs()
    {
        Prerequisites.RequireReaderAndDecoder();
        string dir = Directory.CreateTempSubdirectory("pcapstream-csv").FullName;
        try
        {
            string path = Path.Combine(dir, "odd, \"name\"\tx.pcap");
            WriteUdpCapture(path, 3);

            CliRunner.Result csv = CliRunner.Run("packets", "--format", "csv", "--sensor", "a,b", path);
            Assert.Equal(0, csv.ExitCode);
            Assert.EndsWith("\r\n", csv.Stdout);
            List<List<string>> records = ParseCsv(csv.Stdout);
            Assert.Equal(4, records.Count);
            Assert.Equal(ColumnNames, records[0]);
            foreach (List<string> rec in records.Skip(1))
            {
                Assert.Equal(ColumnNames.Length, rec.Count);
                Assert.Equal(path, rec[(int)PacketColumn.File]);
                Assert.Equal("a,b", rec[(int)PacketColumn.Sensor]);
                Assert.Equal("UDP", rec[(int)PacketColumn.Protocol]);
                Assert.Equal("", rec[(int)PacketColumn.TcpSeq]); // null, not 0
            }

            CliRunner.Result tsv = CliRunner.Run("packets", path);
            string[] fields = tsv.Lines[1].Split('\t');
            Assert.Equal(ColumnNames.Length, fields.Length);
            Assert.Equal(path.Replace("\t", "\\t"), fields[(int)PacketColumn.File]);
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    [Fact]
    public void Json_lines_parse_and_omit_null_fields()
    {
        Prerequisites.RequireReaderAndDecoder();
        string path = SharedData.Require("pcaps/ethernet/test_dns.pcap");
        CliRunner.Result json = CliRunner.Run("packets", "--format", "json", path);
        CliRunner.Result tsv = CliRunner.Run("packets", path);
        Assert.Equal(0, json.ExitCode);
        string[] lines = json.Lines;
        Assert.Equal(tsv.Lines.Length - 1, lines.Length);
        for (int i = 0; i < lines.Length; i++)
        {
            using JsonDocument doc = JsonDocument.Parse(lines[i]);
            JsonElement o = doc.RootElement;
            string[] text = tsv.Lines[i + 1].Split('\t');
            for (int c = 0; c < ColumnNames.Length; c++)
            {
                bool present = o.TryGetProperty(ColumnNames[c], out JsonElement v);
                // Omitted exactly when the TSV field is empty (null); else the same value.
                Assert.Equal(text[c].Length > 0, present);
                if (present)
                {
                    string value = v.ValueKind switch
                    {
                        JsonValueKind.String => v.GetString()!,
                        JsonValueKind.True => "true",
                        JsonValueKind.False => "false",
                        _ => v.GetRawText(),
                    };
                    Assert.Equal(text[c], value);
                }
            }
            Assert.Equal(JsonValueKind.Number, o.GetProperty("srcPort").ValueKind);
            Assert.False(o.TryGetProperty("tcpSeq", out _)); // DNS over UDP: no TCP fields at all
        }
    }

    [Fact]
    public void Timestamps_are_utc_whatever_the_time_zone()
    {
        Prerequisites.RequireReaderAndDecoder();
        string path = SharedData.Require("pcaps/ethernet/simple_http.pcap");
        var tz = new Dictionary<string, string> { ["TZ"] = "America/New_York" };
        CliRunner.Result r = CliRunner.Run(tz, "packets", path);
        Assert.StartsWith("2024-11-27T17:45:16.680626Z\t", r.Lines[1]);
    }

    [Fact]
    public void A_truncated_file_prints_the_good_rows_then_one_error_sentence_and_exits_1()
    {
        Prerequisites.RequireReaderAndDecoder();
        string path = SharedData.Require("pcaps/broken/truncated-mid-record.pcap");
        CliRunner.Result r = CliRunner.Run("packets", path);
        Assert.Equal(1, r.ExitCode);
        Assert.Equal(1 + 5, r.Lines.Length); // header + the 5 complete records tshark also prints
        string error = r.Stderr.Trim();
        Assert.DoesNotContain("\n", error);
        Assert.DoesNotContain("   at ", error); // no stack trace
        Assert.Contains(path, error);
        Assert.Contains("943", error); // byte offset of the cut record
        Assert.Contains("record 6", error);
    }

    [Fact]
    public void A_non_capture_or_missing_file_exits_1_and_bad_usage_exits_2()
    {
        Prerequisites.RequireReaderAndDecoder();
        CliRunner.Result notCapture = CliRunner.Run("packets", SharedData.Require("pcaps/broken/teams.pcap"));
        Assert.Equal(1, notCapture.ExitCode);
        Assert.Equal("", notCapture.Stdout);
        Assert.Contains("teams.pcap", notCapture.Stderr);

        Assert.Equal(1, CliRunner.Run("packets", "/nonexistent/x.pcap").ExitCode);
        Assert.Equal(2, CliRunner.Run("packets").ExitCode);
        CliRunner.Result badFormat = CliRunner.Run("packets", "--format", "xml", "x.pcap");
        Assert.Equal(2, badFormat.ExitCode);
        Assert.Contains("xml", badFormat.Stderr);
    }

    [Theory]
    [MemberData(nameof(Captures))]
    public void Count_totals_match_the_oracle(string capture)
    {
        Prerequisites.RequireReaderAndDecoder();
        string path = SharedData.Require("pcaps/" + capture);
        Oracle oracle = Oracle.Load(capture);
        CliRunner.Result r = CliRunner.Run("packets", "--count", path);
        Assert.Equal(0, r.ExitCode);
        Dictionary<string, long> totals = r.Lines.Select(l => l.Split('\t'))
            .ToDictionary(f => f[0], f => long.Parse(f[1], CultureInfo.InvariantCulture));
        Assert.Equal(oracle.Rows.Count, totals["packets"]);
        Assert.Equal(oracle.Rows.Sum(row => long.Parse(oracle.Get(row, "frame_len"), CultureInfo.InvariantCulture)), totals["bytes"]);
        Assert.Equal(oracle.Rows.Sum(row => long.Parse(oracle.Get(row, "cap_len"), CultureInfo.InvariantCulture)), totals["capturedBytes"]);
        Assert.Equal(totals["packets"], totals.Where(t => t.Key.StartsWith("linkType.", StringComparison.Ordinal)).Sum(t => t.Value));

        CliRunner.Result json = CliRunner.Run("packets", "--count", "--format", "json", path);
        using JsonDocument doc = JsonDocument.Parse(json.Stdout);
        Assert.Equal(totals["packets"], doc.RootElement.GetProperty("packets").GetInt64());
        Assert.Equal(totals["bytes"], doc.RootElement.GetProperty("bytes").GetInt64());
    }

    [Fact]
    public void Count_of_a_damaged_file_gives_the_good_records_and_exits_1()
    {
        Prerequisites.RequireReaderAndDecoder();
        string path = SharedData.Require("pcaps/broken/corrupt-record-length.pcap");
        CliRunner.Result r = CliRunner.Run("packets", "--count", path);
        Assert.Equal(1, r.ExitCode);
        Assert.Equal("packets\t3", r.Lines[0]); // tshark prints 3 packets before the damage too
        Assert.Contains("corrupt-record-length.pcap", r.Stderr);
    }

    /// <summary>Writes <paramref name="count"/> Ethernet/IPv4/UDP frames 10.0.0.1:5353 -> 10.0.0.2:53 (8 payload bytes).</summary>
    private static void WriteUdpCapture(string path, int count)
    {
        byte[] frame = Convert.FromHexString(
            "00000000000200000000000108004500" + "0024000040004011" + "0000" + "0a0000010a000002" +
            "14e900350010" + "0000" + "0102030405060708");
        using PcapWriter writer = PcapWriter.Create(path, linkType: 1);
        for (int i = 0; i < count; i++)
        {
            writer.Write(1_700_000_000_000_000_000L + i, frame);
        }
    }

    private static List<List<string>> ParseCsv(string text)
    {
        var records = new List<List<string>>();
        var record = new List<string>();
        var field = new StringBuilder();
        bool quoted = false;
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            if (quoted)
            {
                if (c == '"' && i + 1 < text.Length && text[i + 1] == '"')
                {
                    field.Append('"');
                    i++;
                }
                else if (c == '"')
                {
                    quoted = false;
                }
                else
                {
                    field.Append(c);
                }
            }
            else if (c == '"')
            {
                quoted = true;
            }
            else if (c == ',')
            {
                record.Add(field.ToString());
                field.Clear();
            }
            else if (c == '\r' && i + 1 < text.Length && text[i + 1] == '\n')
            {
                record.Add(field.ToString());
                field.Clear();
                records.Add(record);
                record = [];
                i++;
            }
            else
            {
                field.Append(c);
            }
        }
        return records;
    }
}
