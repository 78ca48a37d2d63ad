using System.Collections.Concurrent;
using PcapStream.Decoding;
using PcapStream.Flows;
using PcapStream.Readers;
using PcapStream.Sinks;

namespace PcapStream.Streaming;

/// <summary>What decoding one capture file produced.</summary>
internal sealed class FileResult
{
    public required SourceFile Source { get; init; }
    public FileFlowSegments? Segments { get; set; }
    public List<string> PacketParts { get; set; } = [];
    public long Packets { get; set; }
    public long Anomalies { get; set; }
    public long LastPacketNanos { get; set; } = long.MinValue;
    public DamagedFile? Damage { get; set; }
}

/// <summary>
/// Decodes one capture file on the calling thread: CaptureReader -> PacketDecoder -> packets rows (when enabled)
/// and the file's flow segments. Damage never stops the job: the records before it are kept, and the damage is
/// returned with the file and byte offset. Nothing is allocated per packet.
/// </summary>
internal static class FileDecoder
{
    private const int CancelCheckEvery = 8192;

    public static FileResult Decode(SourceFile source, int fileIndex, long batch, string output, FlowSettings flowSettings,
        SinkOptions sinkOptions, ConcurrentBag<PacketRowBuffer> buffers, Action<long>? progress, CancellationToken cancel)
    {
        var result = new FileResult { Source = source };
        var builder = new FileFlowBuilder(flowSettings, source.Relative);
        PacketFileSink? sink = sinkOptions.WritePackets
            ? new PacketFileSink(output, batch, fileIndex, sinkOptions, buffers, cancel)
            : null;
        try
        {
            ReadAll(source, builder, sink, result, progress, cancel);
            result.Segments = builder.Complete();
            if (sink is not null)
            {
                result.PacketParts = sink.CompleteAsync().GetAwaiter().GetResult();
            }
        }
        finally
        {
            sink?.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }
        return result;
    }

    private static void ReadAll(SourceFile source, FileFlowBuilder builder, PacketFileSink? sink, FileResult result,
        Action<long>? progress, CancellationToken cancel)
    {
        if (source.Size == 0)
        {
            // Not opened (see DirectorySource): an empty file, or a FIFO that would block the reader forever.
            result.Damage = new DamagedFile(source.Relative, 0, "empty file (0 bytes; not a capture, or not a regular file)");
            return;
        }
        CaptureReader reader;
        try
        {
            reader = CaptureReader.Open(source.Path);
        }
        catch (CaptureFormatException e)
        {
            result.Damage = new DamagedFile(source.Relative, e.Offset, e.Reason);
            return;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            result.Damage = new DamagedFile(source.Relative, 0, e.Message);
            return;
        }
        using (reader)
        {
            var packet = default(DecodedPacket);
            long packets = 0, anomalies = 0, last = long.MinValue, reported = 0;
            string sensor = source.Stream, file = source.Relative;
            try
            {
                while (reader.TryRead(out CaptureRecord record))
                {
                    PacketDecoder.Decode(record.Data, record.LinkType, record.OriginalLength, ref packet);
                    long ts = record.TimestampNanos;
                    int segment = builder.Add(packet, ts);
                    // The segment's community ID string is computed once and shared by all its packets.
                    sink?.Add(packet, ts, record.HasTimestamp, sensor, file, record.FileOffset, record.FrameNumber, segment >= 0 ? builder.CommunityIdOf(segment) : null);
                    packets++;
                    if (packet.Anomaly != Anomaly.None)
                    {
                        anomalies++;
                    }
                    if (ts > last)
                    {
                        last = ts;
                    }
                    if (packets % CancelCheckEvery == 0)
                    {
                        cancel.ThrowIfCancellationRequested();
                        long consumed = reader.BytesConsumed;
                        progress?.Invoke(consumed - reported);
                        reported = consumed;
                    }
                }
                reader.ThrowIfTruncated();
            }
            catch (CaptureFormatException e)
            {
                result.Damage = new DamagedFile(source.Relative, e.Offset, e.Reason);
            }
            progress?.Invoke(source.Size - reported);
            result.Packets = packets;
            result.Anomalies = anomalies;
            result.LastPacketNanos = last;
        }
    }
}
