using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
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
    // A power of two: the check is a mask test.
    private const int CancelCheckEvery = 8192;

    public static FileResult Decode(SourceFile source, bool mapped, int fileIndex, long batch, string output, FlowSettings flowSettings,
        SinkOptions sinkOptions, ConcurrentBag<PacketRowBuffer> buffers, Action<long>? progress, CancellationToken cancel)
    {
        var result = new FileResult { Source = source };
        var builder = new FileFlowBuilder(flowSettings, source.Relative);
        PacketFileSink? sink = sinkOptions.WritePackets
            ? new PacketFileSink(output, batch, fileIndex, sinkOptions, buffers, cancel)
            : null;
        try
        {
            ReadAll(source, mapped, builder, sink, result, progress, cancel);
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

    private static void ReadAll(SourceFile source, bool mapped, FileFlowBuilder builder, PacketFileSink? sink, FileResult result,
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
            // Mapped: read(2) copied every byte through the kernel (~14% of a flows-only ingest). The copying
            // reader stays for streams whose files get rewritten in place (see BatchExecutor): a mapped file
            // truncated under the reader would crash the job (SIGBUS).
            reader = mapped ? CaptureReader.OpenMapped(source.Path) : CaptureReader.Open(source.Path);
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
            var loop = new Loop { Builder = builder, Sink = sink, Sensor = source.Stream, File = source.Relative, Progress = progress, Last = long.MinValue };
            try
            {
                if (reader is PcapReader pcap)
                {
                    Read(new PcapRecords(pcap), ref loop, cancel);
                }
                else
                {
                    Read(new AnyRecords(reader), ref loop, cancel);
                }
                reader.ThrowIfTruncated();
            }
            catch (CaptureFormatException e)
            {
                result.Damage = new DamagedFile(source.Relative, e.Offset, e.Reason);
            }
            progress?.Invoke(source.Size - loop.Reported);
            result.Packets = loop.Packets;
            result.Anomalies = loop.Anomalies;
            result.LastPacketNanos = loop.Last;
        }
    }

    /// <summary>What the packet loop reads and adds to (one per file; a struct so the loop keeps it in registers).</summary>
    private struct Loop
    {
        public FileFlowBuilder Builder;
        public PacketFileSink? Sink;
        public string Sensor, File;
        public Action<long>? Progress;
        public long Packets, Anomalies, Last, Reported;
    }

    /// <summary>
    /// The packet loop. Generic over a struct record source so the sealed <see cref="PcapReader"/>'s TryRead and
    /// the decoder's fast path inline here (no virtual call per record), as in <c>flows --count</c>.
    /// AggressiveOptimization: it runs once per file, a few times per batch, so under tiering it would stay the
    /// ReadyToRun version (never call-counted to tier 1); measured ~2x the decode cost of the optimised loop.
    /// With --no-packets the sink is null and a packet costs decode + flow update + three counters.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Read<TRecords>(TRecords records, ref Loop loop, CancellationToken cancel)
        where TRecords : struct, IRecords
    {
        var packet = default(DecodedPacket);
        FileFlowBuilder builder = loop.Builder;
        PacketFileSink? sink = loop.Sink;
        string sensor = loop.Sensor, file = loop.File;
        long packets = 0, anomalies = 0, last = long.MinValue;
        try
        {
            while (records.TryRead(out CaptureRecord record))
            {
                long ts = record.TimestampNanos;
                // Decodes into packet when rows are written or the frame is not one the flow engine reads itself.
                int segment = builder.Add(record.Data, record.LinkType, record.OriginalLength, ts, ref packet, decode: sink is not null);
                // The row keeps the segment number; its Community ID is looked up per segment when the row group is written.
                sink?.Add(packet, ts, record.HasTimestamp, sensor, file, record.FileOffset, record.FrameNumber, segment, builder);
                packets++;
                if (packet.Anomaly != Anomaly.None)
                {
                    anomalies++;
                }
                if (ts > last)
                {
                    last = ts;
                }
                if ((packets & (CancelCheckEvery - 1)) == 0)
                {
                    cancel.ThrowIfCancellationRequested();
                    long consumed = records.BytesConsumed;
                    loop.Progress?.Invoke(consumed - loop.Reported);
                    loop.Reported = consumed;
                }
            }
        }
        finally
        {
            // Also on damage (CaptureFormatException): the records before it count.
            loop.Packets = packets;
            loop.Anomalies = anomalies;
            loop.Last = last;
        }
    }

    private interface IRecords
    {
        bool TryRead(out CaptureRecord record);

        long BytesConsumed { get; }
    }

    private readonly struct PcapRecords(PcapReader reader) : IRecords
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public bool TryRead(out CaptureRecord record) => reader.TryRead(out record);

        public long BytesConsumed => reader.BytesConsumed;
    }

    private readonly struct AnyRecords(CaptureReader reader) : IRecords
    {
        public bool TryRead(out CaptureRecord record) => reader.TryRead(out record);

        public long BytesConsumed => reader.BytesConsumed;
    }
}
