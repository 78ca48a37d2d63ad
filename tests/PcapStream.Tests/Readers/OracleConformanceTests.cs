using System.Globalization;
using PcapStream.Readers;
using PcapStream.Tests.Support;

namespace PcapStream.Tests.Readers;

/// <summary>
/// Every capture in the shared corpus that has a tshark oracle: the records we deliver match tshark's packet rows
/// (custom blocks, which tshark numbers as frames, are matched out by order) in count, frame_len, cap_len,
/// time_epoch to the nanosecond (empty for Simple Packet Blocks), section and interface id; the link type agrees
/// with MANIFEST.md and with the first dissector tshark applied.
/// </summary>
public class OracleConformanceTests
{
    public static TheoryData<string> Captures()
    {
        TheoryData<string> data = [];
        string? root = SharedData.RootOrNull;
        string oracle = root is null ? "" : Path.Combine(root, "pcaps", "oracle");
        if (!Directory.Exists(oracle))
        {
            data.Add("(shared corpus absent)");
            return data;
        }
        foreach (string norm in Directory.EnumerateFiles(oracle, "*.norm.tsv", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            data.Add(Path.GetRelativePath(oracle, norm)[..^".norm.tsv".Length].Replace('\\', '/'));
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Captures))]
    public void Records_match_tshark(string capture)
    {
        string path = SharedData.Require("pcaps/" + capture);
        string oracleDir = SharedData.Require("pcaps/oracle");
        string[] norm = File.ReadAllLines(Path.Combine(oracleDir, capture + ".norm.tsv"));
        string[] raw = File.ReadAllLines(Path.Combine(oracleDir, capture + ".tsv"));
        Dictionary<string, int> col = Columns(norm[0]);
        Dictionary<string, int> rawCol = Columns(raw[0]);
        List<string[]> expected = [];
        List<string[]> expectedRaw = [];
        for (int i = 1; i < norm.Length; i++)
        {
            string[] f = norm[i].Split('\t');
            if (f[col["record"]] == "packet")
            {
                expected.Add(f);
                expectedRaw.Add(raw[i].Split('\t'));
            }
        }

        using CaptureReader reader = CaptureReader.Open(path);
        List<ReadRecord> got = ReaderTestSupport.ReadAll(reader);
        Assert.Equal(CaptureEnd.Complete, reader.End);
        Assert.Equal(new FileInfo(path).Length, reader.BytesConsumed);
        Assert.Equal(expected.Count, got.Count);

        int manifestLinkType = ManifestLinkType(capture);
        long previousEnd = 0;
        for (int i = 0; i < got.Count; i++)
        {
            ReadRecord r = got[i];
            string[] e = expected[i];
            string where = $"{capture} packet {i + 1}";
            Assert.True(i + 1 == r.FrameNumber, $"{where}: frame number {r.FrameNumber}");
            Assert.True(e[col["frame_len"]] == r.OriginalLength.ToString(CultureInfo.InvariantCulture), $"{where}: frame_len {r.OriginalLength}, tshark {e[col["frame_len"]]}");
            Assert.True(e[col["cap_len"]] == r.Data.Length.ToString(CultureInfo.InvariantCulture), $"{where}: cap_len {r.Data.Length}, tshark {e[col["cap_len"]]}");
            string time = r.HasTimestamp ? ReaderTestSupport.Epoch(r.TimestampNanos) : "";
            Assert.True(e[col["time_epoch"]] == time, $"{where}: time {time}, tshark {e[col["time_epoch"]]}");
            string section = reader.Format == CaptureFormat.PcapNg ? r.Section.ToString(CultureInfo.InvariantCulture) : "";
            Assert.True(e[col["section"]] == section, $"{where}: section {section}, tshark {e[col["section"]]}");
            string iface = reader.Format == CaptureFormat.PcapNg ? r.InterfaceId.ToString(CultureInfo.InvariantCulture) : "";
            Assert.True(e[col["interface_id"]] == iface, $"{where}: interface {iface}, tshark {e[col["interface_id"]]}");
            string firstProtocol = expectedRaw[i][rawCol["frame.protocols"]].Split(':')[0];
            int linkType = manifestLinkType >= 0 ? manifestLinkType : firstProtocol switch
            {
                "eth" => 1,
                "null" => 0,
                _ => -1,
            };
            Assert.True(linkType == r.LinkType, $"{where}: link type {r.LinkType}, expected {linkType} ({firstProtocol})");
            // Records tile the file in order: offsets increase and records never overlap.
            Assert.True(r.FileOffset >= previousEnd, $"{where}: offset {r.FileOffset} overlaps the previous record");
            previousEnd = r.FileOffset + r.RecordLength;
        }
    }

    private static Dictionary<string, int> Columns(string header)
    {
        string[] names = header.Split('\t');
        Dictionary<string, int> map = [];
        for (int i = 0; i < names.Length; i++)
        {
            map[names[i]] = i;
        }
        return map;
    }

    /// <summary>Link type from MANIFEST.md's table when the file has a single one; -1 when it lists several IDBs.</summary>
    private static int ManifestLinkType(string capture)
    {
        foreach (string line in File.ReadLines(SharedData.Require("pcaps/MANIFEST.md")))
        {
            if (line.StartsWith("| " + capture + " |", StringComparison.Ordinal))
            {
                string cell = line.Split('|')[4].Trim();
                string first = cell.Split(' ')[0];
                return int.TryParse(first, NumberStyles.None, CultureInfo.InvariantCulture, out int lt) && !cell.Contains("IDBs", StringComparison.Ordinal) ? lt : -1;
            }
        }
        Assert.Fail($"{capture} is not listed in MANIFEST.md");
        return -1;
    }
}
