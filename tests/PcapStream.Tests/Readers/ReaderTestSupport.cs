using PcapStream.Readers;

namespace PcapStream.Tests.Readers;

/// <summary>One record copied out of the reader's buffer, so tests can keep it after the next TryRead.</summary>
internal sealed record ReadRecord(
    byte[] Data, long FileOffset, int RecordLength, long FrameNumber, long TimestampNanos, bool HasTimestamp,
    int OriginalLength, int LinkType, int InterfaceId, int Section);

internal static class ReaderTestSupport
{
    public static ReadRecord Copy(in CaptureRecord r) => new(r.Data.ToArray(), r.FileOffset, r.RecordLength,
        r.FrameNumber, r.TimestampNanos, r.HasTimestamp, r.OriginalLength, r.LinkType, r.InterfaceId, r.Section);

    /// <summary>Reads every record; returns them with the reader's end state.</summary>
    public static List<ReadRecord> ReadAll(CaptureReader reader)
    {
        List<ReadRecord> list = [];
        while (reader.TryRead(out CaptureRecord r))
        {
            Assert.Equal(r.Data.Length, r.CapturedLength);
            list.Add(Copy(r));
        }
        return list;
    }

    public static List<ReadRecord> ReadAll(string path, int bufferSize = 1 << 20)
    {
        using CaptureReader reader = CaptureReader.Open(path, null, bufferSize);
        List<ReadRecord> list = ReadAll(reader);
        reader.ThrowIfTruncated();
        return list;
    }

    public static List<ReadRecord> ReadAll(byte[] file, int bufferSize = 1 << 20)
    {
        using CaptureReader reader = CaptureReader.Open(new MemoryStream(file), "mem", null, bufferSize);
        List<ReadRecord> list = ReadAll(reader);
        reader.ThrowIfTruncated();
        return list;
    }

    /// <summary>Formats nanoseconds since the epoch as tshark's frame.time_epoch with 9 decimals.</summary>
    public static string Epoch(long nanos)
    {
        long seconds = Math.DivRem(nanos, 1_000_000_000L, out long ns);
        if (ns < 0)
        {
            seconds--;
            ns += 1_000_000_000L;
        }
        return $"{seconds}.{ns:D9}";
    }

    /// <summary>A temp file deleted at dispose.</summary>
    public sealed class TempFile : IDisposable
    {
        public TempFile(string suffix = ".pcap") =>
            Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"pcapstream-{Guid.NewGuid():N}{suffix}");

        public string Path { get; }

        public void Dispose()
        {
            if (File.Exists(Path))
            {
                File.Delete(Path);
            }
        }
    }
}
