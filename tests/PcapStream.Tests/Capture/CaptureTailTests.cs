using PcapStream.Capture;
using PcapStream.Readers;

namespace PcapStream.Tests.Capture;

public sealed class CaptureTailTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("pcapstream-tail-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string WriteCapture(int packets, bool nanosecond = false)
    {
        string path = Path.Combine(_dir, "c.pcap");
        using PcapWriter w = PcapWriter.Create(path, linkType: 1, nanosecond);
        var frame = new byte[100];
        for (int i = 0; i < packets; i++)
        {
            frame[0] = (byte)i;
            w.Write(1_700_000_000_000_000_000L + (i * 1_000_000L), frame);
        }
        return path;
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_file_cut_inside_a_record_is_trimmed_back_to_the_last_complete_one(bool nanosecond)
    {
        string path = WriteCapture(5, nanosecond);
        long complete = new FileInfo(path).Length;
        Assert.True(CaptureTail.Inspect(path).IsComplete);
        Assert.Equal(5, CaptureTail.Inspect(path).Records);

        // What a SIGKILL leaves: a stdio buffer flushed mid-record (header + part of the body).
        using (var s = new FileStream(path, FileMode.Append))
        {
            s.Write(new byte[16 + 40]);
            s.Position -= 56;
            s.Write(BitConverter.GetBytes(0));
            s.Write(BitConverter.GetBytes(0));
            s.Write(BitConverter.GetBytes(100)); // incl_len 100, but only 40 bytes follow
        }
        CaptureTail.Result r = CaptureTail.Inspect(path);
        Assert.False(r.IsComplete);
        Assert.True(r.IsRepairable);
        Assert.Equal(complete, r.CompleteLength);

        Assert.Equal(56, CaptureTail.TrimIncomplete(path));
        Assert.Equal(complete, new FileInfo(path).Length);
        Assert.Equal(5, CaptureTools.TsharkCount(path));
    }

    [Fact]
    public void A_file_cut_inside_its_header_holds_no_packet_and_is_not_trimmed()
    {
        string path = WriteCapture(0);
        using (var s = new FileStream(path, FileMode.Open))
        {
            s.SetLength(10);
        }
        CaptureTail.Result r = CaptureTail.Inspect(path);
        Assert.False(r.HasHeader);
        Assert.Null(r.Damage);                  // cut short, not foreign: the supervisor may delete it
        Assert.Equal(0, CaptureTail.TrimIncomplete(path));
        Assert.Equal(10, new FileInfo(path).Length);
    }

    [Fact]
    public void A_complete_file_and_a_non_capture_file_are_left_alone()
    {
        string path = WriteCapture(3);
        long before = new FileInfo(path).Length;
        Assert.Equal(0, CaptureTail.TrimIncomplete(path));
        Assert.Equal(before, new FileInfo(path).Length);

        string text = Path.Combine(_dir, "notes.txt");
        File.WriteAllText(text, "this is not a capture file at all, just text");
        CaptureTail.Result r = CaptureTail.Inspect(text);
        Assert.False(r.HasHeader);
        Assert.NotNull(r.Damage);
        Assert.Equal(0, CaptureTail.TrimIncomplete(text));
        Assert.Equal("this is not a capture file at all, just text", File.ReadAllText(text));
    }
}
