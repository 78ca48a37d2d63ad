using System.IO.Compression;
using PcapStream.Readers;
using PcapStream.Tests.Support;

namespace PcapStream.Tests.Readers;

/// <summary>
/// How the reader behaves as a stream: records straddling the buffer boundary, records larger than the buffer,
/// files still being written (need more data, then resume), gzip, non-seekable input.
/// </summary>
public class StreamingTests
{
    /// <summary>A pcap of varied record sizes (odd sizes so boundaries fall everywhere), plus its records.</summary>
    private static (byte[] File, List<ReadRecord> Records) VariedPcap(int count = 500)
    {
        PcapBuilder b = new(bigEndian: false, nanosecond: true);
        for (int i = 0; i < count; i++)
        {
            b.Record((uint)(1_600_000_000 + i), (uint)i * 7, Packets.Make(i, 1 + (i * 37 % 1600)));
        }
        byte[] file = b.ToArray();
        return (file, ReaderTestSupport.ReadAll(file));
    }

    private static (byte[] File, PcapNgBuilder Builder) VariedPcapNg(int count = 300)
    {
        PcapNgBuilder b = new PcapNgBuilder().Section(false).Interface(1).Interface(0, tsresol: 9);
        for (int i = 0; i < count; i++)
        {
            if (i == count / 2)
            {
                b.Section(true).Interface(1, snapLength: 2000);
            }
            if (i % 17 == 0)
            {
                b.Simple(Packets.Make(i, 1 + i % 300));
            }
            else
            {
                b.Enhanced((uint)(i < count / 2 ? i % 2 : 0), (ulong)i * 1000, Packets.Make(i, 1 + (i * 53 % 1500)), withComment: i % 5 == 0);
            }
        }
        return (b.ToArray(), b);
    }

    [Theory]
    [InlineData(64)]
    [InlineData(100)]
    [InlineData(4096)]
    [InlineData(65536)]
    public void Records_straddling_the_buffer_boundary_are_identical_to_one_big_read(int bufferSize)
    {
        (byte[] file, List<ReadRecord> expected) = VariedPcap();
        Assert.True(file.Length > 4 * bufferSize);
        List<ReadRecord> got = ReaderTestSupport.ReadAll(file, bufferSize);
        Assert.Equal(expected.Count, got.Count);
        for (int i = 0; i < got.Count; i++)
        {
            Assert.Equal(expected[i], got[i] with { Data = expected[i].Data });
            Assert.Equal(expected[i].Data, got[i].Data);
        }

        (byte[] ng, PcapNgBuilder b) = VariedPcapNg();
        List<ReadRecord> ngRecords = ReaderTestSupport.ReadAll(ng, bufferSize);
        Assert.Equal([.. b.PacketOffsets], ngRecords.Select(r => r.FileOffset).ToArray());
        Assert.Equal(ReaderTestSupport.ReadAll(ng).Select(r => Convert.ToHexString(r.Data)), ngRecords.Select(r => Convert.ToHexString(r.Data)));
    }

    [Fact]
    public void A_record_larger_than_the_buffer_grows_it()
    {
        byte[] big = Packets.Make(7, 200_000);
        byte[] pcap = new PcapBuilder(false, false, snapLength: 262144).Record(1, 1, Packets.Make(0, 10)).Record(2, 2, big).Record(3, 3, Packets.Make(1, 10)).ToArray();
        List<ReadRecord> r = ReaderTestSupport.ReadAll(pcap, bufferSize: 4096);
        Assert.Equal(3, r.Count);
        Assert.Equal(big, r[1].Data);

        byte[] ng = new PcapNgBuilder().Section(false).Interface(1).Enhanced(0, 1, Packets.Make(0, 10)).Enhanced(0, 2, big).Enhanced(0, 3, Packets.Make(1, 10)).ToArray();
        List<ReadRecord> n = ReaderTestSupport.ReadAll(ng, bufferSize: 4096);
        Assert.Equal(3, n.Count);
        Assert.Equal(big, n[1].Data);
    }

    [Fact]
    public void A_huge_block_length_in_a_short_file_is_incomplete_not_a_huge_allocation()
    {
        PcapNgBuilder b = new PcapNgBuilder().Section(false).Interface(1).Enhanced(0, 1, Packets.Make(0, 10));
        byte[] file = b.ToArray();
        BitConverter.TryWriteBytes(file.AsSpan((int)b.PacketOffsets[0] + 4), 200u << 20);
        using ReaderTestSupport.TempFile tmp = new(".pcapng");
        File.WriteAllBytes(tmp.Path, file);
        long before = GC.GetAllocatedBytesForCurrentThread();
        using CaptureReader reader = CaptureReader.Open(tmp.Path);
        Assert.False(reader.TryRead(out _));
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 8 << 20, "must not allocate for a block the file does not hold");
        Assert.Equal(CaptureEnd.Incomplete, reader.End);
        Assert.Equal(b.PacketOffsets[0], reader.IncompleteOffset);
        CaptureFormatException e = Assert.Throws<CaptureFormatException>(reader.ThrowIfTruncated);
        Assert.True(e.IsTruncation);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_growing_file_stops_at_the_last_complete_record_and_resumes(bool pcapng)
    {
        byte[] full;
        List<long> offsets;
        if (pcapng)
        {
            (full, PcapNgBuilder b) = VariedPcapNg(60);
            offsets = b.PacketOffsets;
        }
        else
        {
            PcapBuilder b = new(false, false);
            for (int i = 0; i < 60; i++)
            {
                b.Record((uint)i, 0, Packets.Make(i, 50 + i));
            }
            full = b.ToArray();
            offsets = b.Offsets;
        }
        List<ReadRecord> expected = ReaderTestSupport.ReadAll(full);
        using ReaderTestSupport.TempFile tmp = new(pcapng ? ".pcapng" : ".pcap");
        int cut = (int)offsets[40] + 9; // inside record 41
        File.WriteAllBytes(tmp.Path, full[..cut]);

        CaptureResumePoint resume;
        List<ReadRecord> got;
        using (CaptureReader first = CaptureReader.Open(tmp.Path, null, 256))
        {
            got = ReaderTestSupport.ReadAll(first);
            Assert.Equal(40, got.Count);
            Assert.Equal(CaptureEnd.Incomplete, first.End);
            Assert.Equal(offsets[40], first.IncompleteOffset);
            Assert.Equal(offsets[40], first.BytesConsumed);
            resume = first.GetResumePoint();
        }

        using (FileStream append = new(tmp.Path, FileMode.Append))
        {
            append.Write(full.AsSpan(cut));
        }
        using (CaptureReader second = CaptureReader.Open(tmp.Path, resume, 256))
        {
            got.AddRange(ReaderTestSupport.ReadAll(second));
            Assert.Equal(CaptureEnd.Complete, second.End);
            Assert.Equal(full.Length, second.BytesConsumed);
        }
        Assert.Equal(expected.Select(Key), got.Select(Key));
    }

    [Fact]
    public void Resuming_a_gzip_file_skips_by_decompressing()
    {
        (byte[] file, List<ReadRecord> expected) = VariedPcap(100);
        using ReaderTestSupport.TempFile gz = new(".pcap.gz");
        using (FileStream output = File.Create(gz.Path))
        using (GZipStream zip = new(output, CompressionLevel.Fastest))
        {
            zip.Write(file);
        }
        CaptureResumePoint resume;
        using (CaptureReader first = CaptureReader.Open(gz.Path, null, 512))
        {
            for (int i = 0; i < 37; i++)
            {
                Assert.True(first.TryRead(out _));
            }
            resume = first.GetResumePoint();
        }
        using CaptureReader second = CaptureReader.Open(gz.Path, resume, 512);
        Assert.Equal(expected.Skip(37).Select(Key), ReaderTestSupport.ReadAll(second).Select(Key));
    }

    [Fact]
    public void The_same_reader_picks_up_data_appended_after_it_ran_dry()
    {
        PcapBuilder b = new(false, true);
        for (int i = 0; i < 20; i++)
        {
            b.Record((uint)i, 0, Packets.Make(i, 100));
        }
        byte[] full = b.ToArray();
        using ReaderTestSupport.TempFile tmp = new();
        File.WriteAllBytes(tmp.Path, full[..((int)b.Offsets[10] + 5)]);
        using CaptureReader reader = CaptureReader.Open(tmp.Path);
        Assert.Equal(10, ReaderTestSupport.ReadAll(reader).Count);
        Assert.Equal(CaptureEnd.Incomplete, reader.End);
        using (FileStream append = new(tmp.Path, FileMode.Append))
        {
            append.Write(full.AsSpan((int)b.Offsets[10] + 5));
        }
        List<ReadRecord> rest = ReaderTestSupport.ReadAll(reader);
        Assert.Equal(10, rest.Count);
        Assert.Equal(11, rest[0].FrameNumber);
        Assert.Equal(b.Offsets[10], rest[0].FileOffset);
        Assert.Equal(CaptureEnd.Complete, reader.End);
    }

    [Theory]
    [InlineData("pcaps/ethernet/simple_http.pcap")]
    [InlineData("pcaps/pcapng/test202.pcapng")]
    [InlineData("pcaps/traffic/alexa-app.pcapng")]
    public void Gzip_files_give_the_same_records_and_offsets(string capture)
    {
        string path = SharedData.Require(capture);
        List<ReadRecord> plain = ReaderTestSupport.ReadAll(path);
        using ReaderTestSupport.TempFile gz = new(".gz");
        using (FileStream output = File.Create(gz.Path))
        using (GZipStream zip = new(output, CompressionLevel.Fastest))
        {
            zip.Write(File.ReadAllBytes(path));
        }
        using CaptureReader reader = CaptureReader.Open(gz.Path, null, 4096);
        Assert.True(reader.IsCompressed);
        List<ReadRecord> unzipped = ReaderTestSupport.ReadAll(reader);
        Assert.Equal(CaptureEnd.Complete, reader.End);
        Assert.Equal(plain.Select(Key), unzipped.Select(Key));
        Assert.Equal(plain.Select(r => Convert.ToHexString(r.Data)), unzipped.Select(r => Convert.ToHexString(r.Data)));
    }

    [Fact]
    public void A_non_seekable_stream_is_detected_without_losing_bytes()
    {
        (byte[] file, List<ReadRecord> expected) = VariedPcap(50);
        using CaptureReader reader = CaptureReader.Open(new NonSeekable(new MemoryStream(file)), "pipe");
        Assert.Equal(expected.Select(Key), ReaderTestSupport.ReadAll(reader).Select(Key));

        byte[] gz;
        using (MemoryStream ms = new())
        {
            using (GZipStream zip = new(ms, CompressionLevel.Fastest, leaveOpen: true))
            {
                zip.Write(file);
            }
            gz = ms.ToArray();
        }
        using CaptureReader zipped = CaptureReader.Open(new NonSeekable(new MemoryStream(gz)), "pipe.gz");
        Assert.True(zipped.IsCompressed);
        Assert.Equal(expected.Select(Key), ReaderTestSupport.ReadAll(zipped).Select(Key));
    }

    private static string Key(ReadRecord r) =>
        $"{r.FrameNumber} {r.FileOffset} {r.RecordLength} {r.TimestampNanos} {r.HasTimestamp} {r.OriginalLength} {r.Data.Length} {r.LinkType} {r.Section}/{r.InterfaceId}";

    private sealed class NonSeekable(Stream inner) : Stream
    {
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        // Short reads, as a pipe gives them.
        public override int Read(byte[] buffer, int offset, int count) => inner.Read(buffer, offset, Math.Min(count, 777));
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
