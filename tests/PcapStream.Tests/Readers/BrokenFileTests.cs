using System.Globalization;
using PcapStream.Readers;
using PcapStream.Tests.Support;

namespace PcapStream.Tests.Readers;

/// <summary>
/// Every file in pcaps/broken: the good records before the damage are delivered (as many as tshark prints), then
/// one <see cref="CaptureFormatException"/> names the file, the byte offset (from MANIFEST.md's structure notes and
/// derive-broken.sh) and the record number. No other exception type escapes.
/// </summary>
public class BrokenFileTests
{
    public static TheoryData<string, long, long, bool> Cases() => new()
    {
        // file, error offset (-1: no error), record number in the error, is truncation
        { "corrupt-record-length.pcap", 320, 4, false },       // incl_len 0x00FFFFFF at 320 (record 4)
        { "fuzz-2021-10-13.pcap", 237, 2, true },              // v2.0: lengths swapped -> 197-byte record, then 2 bytes
        { "linktype-reserved-field-not-zero.pcap", 20, 0, false },
        { "pcap-invalid-version-1.pcap", 4, 0, false },
        { "pcapng-invalid-vers-1.pcapng", 12, 1, false },
        { "shb-option-too-long.pcapng", 0, 1, false },          // trailing length mismatch at 0
        { "teams.pcap", 0, 0, false },                          // a git symlink text, not a capture
        { "truncated-global-header.pcap", 10, 0, true },
        { "truncated-mid-block.pcapng", 1220, 4, true },        // 4th EPB starts at 1220, file ends at 1400
        { "truncated-mid-record.pcap", 943, 6, true },
        { "truncated-record-header.pcap", 861, 5, true },
        { "zero-length.pcap", -1, 0, false },                  // empty capture, as tshark 4.0 accepts it
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Broken_file_gives_tshark_good_records_then_one_located_error(string file, long offset, long recordNumber, bool truncation)
    {
        string path = SharedData.Require("pcaps/broken/" + file);
        int tsharkPackets = TsharkPacketsPrinted(file);
        int delivered = 0;
        CaptureFormatException? error = null;
        try
        {
            using CaptureReader reader = CaptureReader.Open(path);
            while (reader.TryRead(out CaptureRecord r))
            {
                Assert.Equal(++delivered, r.FrameNumber);
            }
            reader.ThrowIfTruncated();
        }
        catch (CaptureFormatException e)
        {
            error = e;
        }

        Assert.Equal(tsharkPackets, delivered);
        if (offset < 0)
        {
            Assert.Null(error);
            return;
        }
        Assert.NotNull(error);
        Assert.Equal(path, error.File);
        Assert.Equal(offset, error.Offset);
        Assert.Equal(recordNumber, error.RecordNumber);
        Assert.Equal(truncation, error.IsTruncation);
        Assert.Contains(path, error.Message, StringComparison.Ordinal);
        Assert.Contains($"byte offset {offset}", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Fuzzed_v2_0_file_swaps_lengths_back_like_libpcap()
    {
        // pcap 2.0 stores len before caplen; tshark prints the first frame as 197 captured of 524501 on the wire.
        using CaptureReader reader = CaptureReader.Open(SharedData.Require("pcaps/broken/fuzz-2021-10-13.pcap"));
        Assert.True(reader.TryRead(out CaptureRecord r));
        Assert.Equal(197, r.CapturedLength);
        Assert.Equal(524501, r.OriginalLength);
        Assert.Equal(0, r.LinkType); // field 0x40000000: FCS bits masked off
        Assert.False(reader.TryRead(out _));
        Assert.Equal(CaptureEnd.Incomplete, reader.End);
    }

    private static int TsharkPacketsPrinted(string file)
    {
        foreach (string line in File.ReadLines(SharedData.Require("pcaps/oracle/broken-expected.tsv")))
        {
            string[] f = line.Split('\t');
            if (f[0] == "broken/" + file)
            {
                return int.Parse(f[2], CultureInfo.InvariantCulture);
            }
        }
        Assert.Fail($"{file} has no row in broken-expected.tsv");
        return -1;
    }
}
