using System.Diagnostics;
using PcapStream.Readers;

namespace PcapStream.Tests.Readers;

/// <summary>
/// pcapng features the corpus lacks, in captures the test writes: LE and BE sections in one file, if_tsoffset,
/// if_tsresol 6/9/0x88, obsolete Packet Blocks, SPB snaplen rule, unknown and custom blocks. Where tshark is
/// installed the same file is also read by tshark and compared (an oracle independent of our builder).
/// </summary>
public class PcapNgGeneratedTests
{
    // Section 1 (LE): if0 Ethernet µs with tsoffset +3600 s; if1 NULL ns; if2 raw 0x88; NRB and custom blocks between.
    // Section 2 (BE): if0 SLL snaplen 64 (SPB cut), obsolete PB on if1 (ns, tsoffset -10 s).
    private static PcapNgBuilder MixedFile()
    {
        PcapNgBuilder b = new();
        b.Section(bigEndian: false, comment: "little-endian section")
            .Interface(1, tsoffset: 3600)
            .Interface(0, tsresol: 9)
            .Interface(101, tsresol: 0x88)
            .Enhanced(0, 1_700_000_000_123_456UL, Packets.Make(0, 60), originalLength: 1514, withComment: true)
            .Other(4, [1, 0, 9, 0, 10, 0, 0, 1, 104, 111, 115, 116, 0, 0, 0, 0, 0, 0, 0, 0]) // NRB: 10.0.0.1 "host"
            .Enhanced(1, 1_700_000_000_987_654_321UL, Packets.Make(1, 33))
            .Other(0x00000BAD, [0x9b, 0x7e, 0x00, 0x00, 1, 2, 3, 4])                             // custom block, PEN 32411
            .Other(0x40000BAD, [0x9b, 0x7e, 0x00, 0x00])
            .Enhanced(2, (1_700_000_002UL << 8) | 0x32, Packets.Make(2, 20))                    // + 50/256 s
            .Section(bigEndian: true)
            .Interface(113, snapLength: 64)
            .Interface(1, tsresol: 9, tsoffset: -10)
            .Simple(Packets.Make(3, 100)[..64], originalLength: 100)                              // a writer stores min(len, snaplen)
            .Obsolete(1, 1_700_000_005_000_000_001UL, Packets.Make(4, 42))
            .Other(5, [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0])                                      // ISB
            .Enhanced(0, 1_700_000_006_000_001UL, Packets.Make(5, 64), originalLength: 200);
        return b;
    }

    [Fact]
    public void Mixed_sections_interfaces_and_block_types_read_as_written()
    {
        PcapNgBuilder b = MixedFile();
        byte[] file = b.ToArray();
        using CaptureReader reader = CaptureReader.Open(new MemoryStream(file), "mixed.pcapng");
        PcapNgReader ng = Assert.IsType<PcapNgReader>(reader);
        List<ReadRecord> r = ReaderTestSupport.ReadAll(reader);

        Assert.Equal(CaptureEnd.Complete, reader.End);
        Assert.Equal(6, r.Count);
        Assert.Equal(["1700003600.123456000", "1700000000.987654321", "1700000002.195312500", "", "1699999995.000000001", "1700000006.000001000"],
            r.Select(x => x.HasTimestamp ? ReaderTestSupport.Epoch(x.TimestampNanos) : "").ToArray());
        Assert.Equal([1, 0, 101, 113, 1, 113], r.Select(x => x.LinkType).ToArray());
        Assert.Equal([1, 1, 1, 2, 2, 2], r.Select(x => x.Section).ToArray());
        Assert.Equal([0, 1, 2, 0, 1, 0], r.Select(x => x.InterfaceId).ToArray());
        Assert.Equal([60, 33, 20, 64, 42, 64], r.Select(x => x.Data.Length).ToArray());
        Assert.Equal([1514, 33, 20, 100, 42, 200], r.Select(x => x.OriginalLength).ToArray());
        Assert.Equal([1L, 2, 3, 4, 5, 6], r.Select(x => x.FrameNumber).ToArray());
        Assert.Equal([.. b.PacketOffsets], r.Select(x => x.FileOffset).ToArray());
        Assert.Equal([.. b.PacketLengths], r.Select(x => x.RecordLength).ToArray());
        Assert.Equal(Packets.Make(3, 100)[..64], r[3].Data);
        Assert.Equal(Packets.Make(4, 42), r[4].Data);
        Assert.False(r[3].HasTimestamp);

        // Per-interface info of the last section, for writers that must keep the precision.
        Assert.Equal(2, ng.Section);
        Assert.True(ng.SectionBigEndian);
        Assert.Equal(2, ng.Interfaces.Count);
        Assert.Equal(113, ng.GetInterface(0).LinkType);
        Assert.Equal(64u, ng.GetInterface(0).SnapLength);
        Assert.Equal((byte)9, ng.GetInterface(1).TimestampResolution);
        Assert.Equal(-10, ng.GetInterface(1).TimestampOffsetSeconds);
        Assert.Equal(1_000_000_000UL, ng.GetInterface(1).UnitsPerSecond);
    }

    [Fact]
    public async Task Tshark_reads_the_generated_file_the_same_way()
    {
        string? tshark = FindTool("tshark");
        if (tshark is null)
        {
            Assert.Skip("tshark is not installed; the builder-independent cross-check needs it (Debian package tshark).");
        }
        using ReaderTestSupport.TempFile tmp = new(".pcapng");
        File.WriteAllBytes(tmp.Path, MixedFile().ToArray());
        List<ReadRecord> ours = ReaderTestSupport.ReadAll(tmp.Path);

        ProcessStartInfo psi = new(tshark, ["-n", "-r", tmp.Path, "-T", "fields", "-e", "frame.time_epoch", "-e", "frame.len",
            "-e", "frame.cap_len", "-e", "frame.section_number", "-e", "frame.interface_id", "-e", "frame.cb_pen"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        psi.Environment["TZ"] = "UTC";
        psi.Environment["LC_ALL"] = "C";
        psi.Environment["WIRESHARK_CONFIG_DIR"] = Path.GetTempPath();
        using Process p = Process.Start(psi)!;
        Task<string> errors = p.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        string output = await p.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        await p.WaitForExitAsync(TestContext.Current.CancellationToken);
        Assert.True(p.ExitCode == 0, $"tshark exit {p.ExitCode}: {await errors}\n{output}");
        List<string> tsharkPackets = [];
        foreach (string line in output.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            string[] f = line.Split('\t');
            if (f[5].Length == 0) // not a custom block
            {
                tsharkPackets.Add(string.Join('\t', f[..5]));
            }
        }
        List<string> ourRows = ours.Select(x => string.Join('\t',
            x.HasTimestamp ? ReaderTestSupport.Epoch(x.TimestampNanos) : "", x.OriginalLength, x.Data.Length, x.Section, x.InterfaceId)).ToList();
        Assert.Equal(tsharkPackets, ourRows);
    }

    [Theory]
    [InlineData((byte)6, 1_500_000_000_123_456UL, 1_500_000_000_123_456_000L)]
    [InlineData((byte)9, 1_500_000_000_123_456_789UL, 1_500_000_000_123_456_789L)]
    [InlineData((byte)3, 1_500_000_000_123UL, 1_500_000_000_123_000_000L)]
    [InlineData((byte)0, 1_500_000_000UL, 1_500_000_000_000_000_000L)]
    [InlineData((byte)12, 12_345_678_901_234_567_891UL, 12_345_678_901_234_567L)] // finer than ns: cut
    [InlineData((byte)0x88, (1_500_000_000UL << 8) | 1, 1_500_000_000_003_906_250L)]      // 2^-8 s
    [InlineData((byte)0x9e, (1UL << 30) + (1UL << 29), 1_500_000_000L)]                    // 2^-30 s: 1.5 s
    [InlineData((byte)0x80, 7UL, 7_000_000_000L)]                                          // 2^0
    public void Timestamp_resolutions_convert_exactly(byte tsresol, ulong units, long nanos)
    {
        Assert.Equal(nanos, new PcapNgInterface(1, 0, tsresol).ToNanoseconds(units));
        Assert.Equal(nanos + 3_000_000_000L, new PcapNgInterface(1, 0, tsresol, 3).ToNanoseconds(units));
    }

    [Fact]
    public void Packet_on_an_undescribed_interface_is_corrupt_after_the_good_ones()
    {
        PcapNgBuilder b = new PcapNgBuilder().Section(false).Interface(1)
            .Enhanced(0, 1, Packets.Make(0, 10)).Enhanced(1, 2, Packets.Make(1, 10));
        using CaptureReader reader = CaptureReader.Open(new MemoryStream(b.ToArray()), "iface.pcapng");
        Assert.True(reader.TryRead(out _));
        CaptureFormatException e = Assert.Throws<CaptureFormatException>(() => reader.TryRead(out _));
        Assert.Equal(b.PacketOffsets[1], e.Offset);
        Assert.Equal(2, e.RecordNumber);
        Assert.Contains("interface 1", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(13u, "impossible pcapng block length 13")]
    [InlineData(8u, "impossible pcapng block length 8")]
    [InlineData(0x7FFFFFFCu, "impossible pcapng block length")]
    [InlineData(40u, "does not match its trailing length")]
    public void Bad_block_lengths_are_corrupt(uint length, string message)
    {
        PcapNgBuilder b = new PcapNgBuilder().Section(false).Interface(1).Enhanced(0, 1, Packets.Make(0, 10)).Enhanced(0, 2, Packets.Make(1, 10));
        byte[] file = b.ToArray();
        int second = (int)b.PacketOffsets[1];
        BitConverter.TryWriteBytes(file.AsSpan(second + 4), length);
        using CaptureReader reader = CaptureReader.Open(new MemoryStream(file), "len.pcapng");
        Assert.True(reader.TryRead(out _));
        CaptureFormatException e = Assert.Throws<CaptureFormatException>(() => reader.TryRead(out _));
        Assert.Equal(second, e.Offset);
        Assert.Contains(message, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Captured_length_running_past_the_block_is_corrupt()
    {
        PcapNgBuilder b = new PcapNgBuilder().Section(false).Interface(1).Enhanced(0, 1, Packets.Make(0, 10));
        byte[] file = b.ToArray();
        BitConverter.TryWriteBytes(file.AsSpan((int)b.PacketOffsets[0] + 20), 13u); // caplen 13 > 12 bytes of room
        using CaptureReader reader = CaptureReader.Open(new MemoryStream(file), "cap.pcapng");
        CaptureFormatException e = Assert.Throws<CaptureFormatException>(() => reader.TryRead(out _));
        Assert.Equal(b.PacketOffsets[0], e.Offset);
        Assert.Contains("runs past", e.Message, StringComparison.Ordinal);
    }

    internal static string? FindTool(string name)
    {
        foreach (string dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':'))
        {
            string candidate = Path.Combine(dir, name);
            if (dir.Length > 0 && File.Exists(candidate))
            {
                return candidate;
            }
        }
        return null;
    }
}
