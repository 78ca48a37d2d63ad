using PcapStream.Readers;
using PcapStream.Tests.Support;

namespace PcapStream.Tests.Readers;

/// <summary>
/// Fuzz-like robustness: thousands of damaged variants of real pcap and pcapng files (random byte flips, cuts,
/// length fields overwritten) only ever end in records, a clean end, or a <see cref="CaptureFormatException"/> —
/// never another exception type, a hang, or a record whose span lies outside what the file holds.
/// </summary>
public class MutationTests
{
    [Theory]
    [InlineData("pcaps/ethernet/simple_http.pcap")]
    [InlineData("pcaps/pcap-format/pptp.pcap")]
    [InlineData("pcaps/pcapng/test202.pcapng")]
    [InlineData("pcaps/pcapng/test102_be.pcapng")]
    [InlineData("pcaps/pcapng/dtls.pcap")]
    public void Damaged_variants_never_crash_or_hang(string capture)
    {
        byte[] original = File.ReadAllBytes(SharedData.Require(capture));
        Random random = new(20240601);
        int errors = 0;
        for (int round = 0; round < 1500; round++)
        {
            byte[] file = Mutate(original, random);
            try
            {
                using CaptureReader reader = CaptureReader.Open(new MemoryStream(file), "fuzz", null, 256);
                long reads = 0;
                while (reader.TryRead(out CaptureRecord r))
                {
                    Assert.True(r.FileOffset >= 0 && r.FileOffset + r.RecordLength <= file.Length, "record outside the file");
                    Assert.True(r.CapturedLength <= r.RecordLength);
                    Assert.True(++reads <= file.Length / 12 + 1, "more records than the file can hold: a loop");
                }
                Assert.True(reader.BytesConsumed <= file.Length);
            }
            catch (CaptureFormatException e)
            {
                Assert.Equal("fuzz", e.File);
                Assert.InRange(e.Offset, 0, file.Length);
                errors++;
            }
        }
        Assert.True(errors > 0, "mutations should hit the error paths");
    }

    private static byte[] Mutate(byte[] original, Random random)
    {
        byte[] file = (byte[])original.Clone();
        switch (random.Next(4))
        {
            case 0:
                for (int i = random.Next(1, 8); i > 0; i--)
                {
                    file[random.Next(file.Length)] = (byte)random.Next(256);
                }
                return file;
            case 1:
                return file[..random.Next(file.Length)];
            case 2:
                // Overwrite a 32-bit word at a 4-aligned position (where length fields live) with a nasty value.
                uint[] nasty = [0, 1, 12, 13, 0xFFFFFFFF, 0x7FFFFFFF, 0x10000000, 262145, 65535];
                int at = random.Next(file.Length / 4) * 4;
                BitConverter.TryWriteBytes(file.AsSpan(at), nasty[random.Next(nasty.Length)]);
                return file;
            default:
                int from = random.Next(file.Length);
                int len = random.Next(1, 64);
                return [.. file.AsSpan(0, from), .. file.AsSpan(Math.Min(file.Length, from + len))];
        }
    }
}
