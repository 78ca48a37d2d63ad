using PcapStream.Readers;

namespace PcapStream.Tests.Readers;

/// <summary>Classic pcap in all four magics, written by the test; header info exposed for <c>extract</c>.</summary>
public class PcapVariantTests
{
    [Theory]
    [InlineData(false, false)]
    [InlineData(true, false)]
    [InlineData(false, true)]
    [InlineData(true, true)]
    public void All_four_magics_give_the_same_records(bool bigEndian, bool nanosecond)
    {
        PcapBuilder b = new(bigEndian, nanosecond, snapLength: 1500, linkTypeField: 113);
        uint unit = nanosecond ? 1u : 1000u;
        b.Record(1_700_000_000, 123_456u * (nanosecond ? 1000u : 1u) + (nanosecond ? 789u : 0u), Packets.Make(1, 60));
        b.Record(1_700_000_001, 0, Packets.Make(2, 1500), originalLength: 9000);
        b.Record(4_000_000_000, 999_999u * (1000u / unit) + (nanosecond ? 999u : 0u), Packets.Make(3, 0)); // after 2038: unsigned seconds
        byte[] file = b.ToArray();

        using CaptureReader reader = CaptureReader.Open(new MemoryStream(file), "variant.pcap");
        PcapReader pcap = Assert.IsType<PcapReader>(reader);
        Assert.Equal(bigEndian, pcap.Header.BigEndian);
        Assert.Equal(nanosecond, pcap.Header.Nanosecond);
        Assert.Equal(nanosecond ? PcapReader.MagicNanos : PcapReader.MagicMicros, pcap.Header.Magic);
        Assert.Equal((ushort)2, pcap.Header.VersionMajor);
        Assert.Equal((ushort)4, pcap.Header.VersionMinor);
        Assert.Equal(1500u, pcap.Header.SnapLength);
        Assert.Equal(113, pcap.Header.LinkType);

        List<ReadRecord> r = ReaderTestSupport.ReadAll(reader);
        Assert.Equal(CaptureEnd.Complete, reader.End);
        Assert.Equal(3, r.Count);
        Assert.Equal(nanosecond ? "1700000000.123456789" : "1700000000.123456000", ReaderTestSupport.Epoch(r[0].TimestampNanos));
        Assert.Equal("1700000001.000000000", ReaderTestSupport.Epoch(r[1].TimestampNanos));
        Assert.Equal(nanosecond ? "4000000000.999999999" : "4000000000.999999000", ReaderTestSupport.Epoch(r[2].TimestampNanos));
        Assert.Equal(Packets.Make(1, 60), r[0].Data);
        Assert.Equal(Packets.Make(2, 1500), r[1].Data);
        Assert.Empty(r[2].Data);
        Assert.Equal(9000, r[1].OriginalLength);
        Assert.Equal([.. b.Offsets], r.Select(x => x.FileOffset).ToArray());
        Assert.Equal([16 + 60, 16 + 1500, 16], r.Select(x => x.RecordLength).ToArray());
        Assert.All(r, x => Assert.Equal(113, x.LinkType));
        Assert.All(r, x => Assert.Equal(0, x.Section));
        Assert.Equal(file.Length, reader.BytesConsumed);
    }

    [Fact]
    public void Record_bytes_at_file_offset_are_the_record_verbatim()
    {
        // extract copies RecordLength bytes from FileOffset: they must be exactly header + data.
        PcapBuilder b = new(bigEndian: true, nanosecond: true);
        for (int i = 0; i < 10; i++)
        {
            b.Record((uint)i, (uint)i, Packets.Make(i, 40 + i * 7));
        }
        byte[] file = b.ToArray();
        foreach (ReadRecord r in ReaderTestSupport.ReadAll(file))
        {
            byte[] slice = file.AsSpan((int)r.FileOffset, r.RecordLength).ToArray();
            Assert.Equal(r.Data, slice[16..]);
        }
    }

    [Theory]
    [InlineData(0x04000001u, 1)]   // FCS-length-present bit (bootp_asan.pcap)
    [InlineData(0x40000000u, 0)]   // FCS length 4 without the flag (fuzz-2021-10-13.pcap)
    [InlineData(0x00000114u, 276)]
    public void Fcs_bits_of_the_link_type_field_are_masked(uint field, int linkType)
    {
        byte[] file = new PcapBuilder(false, false, linkTypeField: field).Record(1, 2, Packets.Make(0, 20)).ToArray();
        using CaptureReader reader = CaptureReader.Open(new MemoryStream(file), "fcs.pcap");
        Assert.True(reader.TryRead(out CaptureRecord r));
        Assert.Equal(linkType, r.LinkType);
        Assert.Equal(field, ((PcapReader)reader).Header.LinkTypeField);
    }

    [Fact]
    public void Caplen_above_snaplen_is_kept_as_libpcap_does_but_above_the_maximum_is_corrupt()
    {
        PcapBuilder b = new(false, false, snapLength: 53);
        b.Record(1, 0, Packets.Make(0, 90), originalLength: 300);          // bootp_asan.pcap's case
        b.Record(2, 0, Packets.Make(1, 70), capLengthField: 262145);       // above max(snaplen, 262144)
        byte[] file = b.ToArray();
        using CaptureReader reader = CaptureReader.Open(new MemoryStream(file), "big.pcap");
        Assert.True(reader.TryRead(out CaptureRecord r));
        Assert.Equal(90, r.CapturedLength);
        CaptureFormatException e = Assert.Throws<CaptureFormatException>(() => reader.TryRead(out _));
        Assert.Equal(b.Offsets[1], e.Offset);
        Assert.Equal(2, e.RecordNumber);
        Assert.Contains("impossible record length 262145", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Version_2_3_swaps_lengths_only_when_caplen_exceeds_len()
    {
        PcapBuilder b = new(false, false, minor: 3);
        b.Record(1, 0, Packets.Make(0, 40), originalLength: 100);      // in order: kept
        b.Record(2, 0, Packets.Make(1, 30), originalLength: 20);       // caplen 30 > len 20: stored swapped
        byte[] file = b.ToArray();
        // The second record's fields say caplen 30, len 20, so the swap makes caplen 20: its last 10 bytes
        // are then the next record. Here there is none, so check what was decided from the fields.
        using CaptureReader reader = CaptureReader.Open(new MemoryStream(file), "v23.pcap");
        Assert.True(reader.TryRead(out CaptureRecord r1));
        Assert.Equal(40, r1.CapturedLength);
        Assert.Equal(100, r1.OriginalLength);
        Assert.True(reader.TryRead(out CaptureRecord r2));
        Assert.Equal(20, r2.CapturedLength);
        Assert.Equal(30, r2.OriginalLength);
    }

    [Theory]
    [InlineData(1, 4)]
    [InlineData(3, 0)]
    public void Other_major_versions_are_rejected(ushort major, ushort minor)
    {
        byte[] file = new PcapBuilder(false, false, major: major, minor: minor).ToArray();
        CaptureFormatException e = Assert.Throws<CaptureFormatException>(() => CaptureReader.Open(new MemoryStream(file), "v.pcap"));
        Assert.Equal(4, e.Offset);
        Assert.Contains($"unsupported pcap version {major}.{minor}", e.Message, StringComparison.Ordinal);
    }
}
