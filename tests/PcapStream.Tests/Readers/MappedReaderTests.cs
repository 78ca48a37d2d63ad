using PcapStream.Readers;
using PcapStream.Tests.Support;

namespace PcapStream.Tests.Readers;

/// <summary>
/// <see cref="CaptureReader.OpenMapped"/> (memory-mapped pcap, what <c>packets</c> and <c>flows</c> use) must give
/// exactly what the copying reader gives: same records, offsets, frame numbers, timestamps, end state and errors, on
/// the whole corpus (damaged files included), on every pcap variant, and on a file that grows while it is read.
/// </summary>
public sealed class MappedReaderTests
{
    [Fact]
    public void Every_corpus_capture_reads_the_same_mapped_as_copied()
    {
        string root = SharedData.Require("pcaps");
        int files = 0, mapped = 0;
        foreach (string file in Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories))
        {
            if (file.Contains("/oracle/", StringComparison.Ordinal) || file.EndsWith(".md", StringComparison.Ordinal))
            {
                continue;
            }
            (List<ReadRecord> Records, string End) copied = Read(file, CaptureReader.Open);
            (List<ReadRecord> Records, string End) viaMap = Read(file, CaptureReader.OpenMapped);
            Assert.True(copied.End == viaMap.End, $"{file}: copied ended '{copied.End}', mapped '{viaMap.End}'");
            Assert.True(copied.Records.Count == viaMap.Records.Count, $"{file}: {copied.Records.Count} vs {viaMap.Records.Count} records");
            for (int i = 0; i < copied.Records.Count; i++)
            {
                Assert.Equal(copied.Records[i] with { Data = Array.Empty<byte>() }, viaMap.Records[i] with { Data = Array.Empty<byte>() });
                Assert.True(copied.Records[i].Data.AsSpan().SequenceEqual(viaMap.Records[i].Data), $"{file} record {i + 1}: bytes differ");
            }
            files++;
            if (IsMapped(file))
            {
                mapped++;
            }
        }
        Assert.True(files > 60, $"only {files} captures");
        Assert.True(mapped > 40 && mapped < files, $"{mapped} of {files} captures were read through a mapping (pcap ones should be, pcapng and gzip not)");
    }

    [Theory]
    [InlineData(false, false, 4)]
    [InlineData(true, false, 4)]
    [InlineData(false, true, 4)]
    [InlineData(true, true, 4)]
    [InlineData(false, false, 2)] // version 2.2: lengths swapped
    public void Every_pcap_variant_reads_the_same_mapped(bool bigEndian, bool nanosecond, ushort minor)
    {
        PcapBuilder b = new(bigEndian, nanosecond, minor: minor);
        for (int i = 0; i < 3000; i++)
        {
            b.Record((uint)(1_700_000_000 + i), (uint)i * 7, Packets.Make(i, 40 + (i * 37 % 1500)));
        }
        using ReaderTestSupport.TempFile tmp = new();
        File.WriteAllBytes(tmp.Path, b.ToArray());
        Assert.True(IsMapped(tmp.Path));
        Assert.Equal(Read(tmp.Path, CaptureReader.Open).Records, Read(tmp.Path, CaptureReader.OpenMapped).Records, RecordComparer.Instance);
    }

    [Fact]
    public void A_mapped_reader_stops_at_a_cut_record_and_picks_up_what_is_appended()
    {
        PcapBuilder b = new(false, true);
        for (int i = 0; i < 500; i++)
        {
            b.Record((uint)i, 0, Packets.Make(i, 100 + i));
        }
        byte[] full = b.ToArray();
        using ReaderTestSupport.TempFile tmp = new();
        int cut = (int)b.Offsets[300] + 9;
        File.WriteAllBytes(tmp.Path, full[..cut]);
        using CaptureReader reader = CaptureReader.OpenMapped(tmp.Path);
        Assert.Equal(300, ReaderTestSupport.ReadAll(reader).Count);
        Assert.Equal(CaptureEnd.Incomplete, reader.End);
        Assert.Equal(b.Offsets[300], reader.IncompleteOffset);
        Assert.Throws<CaptureFormatException>(reader.ThrowIfTruncated);

        using (FileStream append = new(tmp.Path, FileMode.Append))
        {
            append.Write(full.AsSpan(cut));
        }
        List<ReadRecord> rest = ReaderTestSupport.ReadAll(reader);
        Assert.Equal(200, rest.Count);
        Assert.Equal(301, rest[0].FrameNumber);
        Assert.Equal(b.Offsets[300], rest[0].FileOffset);
        Assert.Equal(CaptureEnd.Complete, reader.End);
        Assert.Equal(full.Length, reader.BytesConsumed);
        Assert.Equal(ReaderTestSupport.ReadAll(full), [.. ReaderTestSupport.ReadAll(full).Take(300), .. rest], RecordComparer.Instance);
    }

    [Fact]
    public void Records_across_the_32_MiB_mapping_windows_read_the_same_as_copied()
    {
        // ~75 MB: the mapped window moves twice, with records straddling each boundary.
        using ReaderTestSupport.TempFile tmp = new();
        using (FileStream output = File.Create(tmp.Path))
        using (var writer = new PcapWriter(output, 1, ownsStream: false))
        {
            byte[] frame = new byte[1900];
            for (int i = 0; i < 40_000; i++)
            {
                BitConverter.TryWriteBytes(frame.AsSpan(0, 4), i);
                writer.Write(1_700_000_000_000_000_000L + i, frame.AsSpan(0, 60 + (i * 131 % 1840)));
            }
        }
        using CaptureReader copied = CaptureReader.Open(tmp.Path);
        using CaptureReader mapped = CaptureReader.OpenMapped(tmp.Path);
        Assert.True(mapped is PcapReader { IsMapped: true });
        int n = 0;
        while (copied.TryRead(out CaptureRecord a))
        {
            Assert.True(mapped.TryRead(out CaptureRecord b), $"mapped reader ended at record {n + 1}");
            Assert.Equal(a.FileOffset, b.FileOffset);
            Assert.Equal(a.TimestampNanos, b.TimestampNanos);
            Assert.True(a.Data.SequenceEqual(b.Data), $"record {a.FrameNumber} at {a.FileOffset}: bytes differ");
            n++;
        }
        Assert.False(mapped.TryRead(out _));
        Assert.Equal(40_000, n);
        Assert.Equal(CaptureEnd.Complete, mapped.End);
        Assert.Equal(new FileInfo(tmp.Path).Length, mapped.BytesConsumed);
    }

    [Fact]
    public void A_pcap_header_with_no_records_yet_is_an_empty_complete_capture_that_can_grow()
    {
        PcapBuilder b = new(false, false);
        b.Record(1, 2, Packets.Make(1, 60));
        byte[] full = b.ToArray();
        using ReaderTestSupport.TempFile tmp = new();
        File.WriteAllBytes(tmp.Path, full[..PcapReader.FileHeaderLength]);
        using CaptureReader reader = CaptureReader.OpenMapped(tmp.Path);
        Assert.Empty(ReaderTestSupport.ReadAll(reader));
        Assert.Equal(CaptureEnd.Complete, reader.End);
        File.WriteAllBytes(tmp.Path, full);
        Assert.Single(ReaderTestSupport.ReadAll(reader));
    }

    private static bool IsMapped(string file)
    {
        try
        {
            using CaptureReader reader = CaptureReader.OpenMapped(file);
            return reader is PcapReader { IsMapped: true };
        }
        catch (CaptureFormatException)
        {
            return false;
        }
    }

    private static (List<ReadRecord> Records, string End) Read(string file, Func<string, CaptureReader> open)
    {
        List<ReadRecord> records = [];
        try
        {
            using CaptureReader reader = open(file);
            while (reader.TryRead(out CaptureRecord r))
            {
                records.Add(ReaderTestSupport.Copy(r));
            }
            return (records, $"{reader.End} at {reader.IncompleteOffset}, consumed {reader.BytesConsumed}");
        }
        catch (CaptureFormatException e)
        {
            return (records, "error: " + e.Message);
        }
    }

    private sealed class RecordComparer : IEqualityComparer<ReadRecord>
    {
        public static readonly RecordComparer Instance = new();

        public bool Equals(ReadRecord? x, ReadRecord? y) =>
            x is not null && y is not null && x with { Data = Array.Empty<byte>() } == y with { Data = Array.Empty<byte>() } && x.Data.AsSpan().SequenceEqual(y.Data);

        public int GetHashCode(ReadRecord obj) => obj.FileOffset.GetHashCode();
    }
}
