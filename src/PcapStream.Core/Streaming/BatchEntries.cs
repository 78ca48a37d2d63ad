using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

namespace PcapStream.Streaming;

/// <summary>One capture file taken by a batch (the source log's unit).</summary>
public sealed record SourceFile
{
    /// <summary>Absolute path when taken.</summary>
    public required string Path { get; init; }
    /// <summary>Path under the input root: the <c>file</c> column.</summary>
    public required string Relative { get; init; }
    /// <summary>Capture stream (sensor folder, or <c>default</c>).</summary>
    public required string Stream { get; init; }
    /// <summary>Size in bytes when taken.</summary>
    public long Size { get; init; }
    /// <summary>Last write time when taken, ms since the Unix epoch.</summary>
    public long MtimeMs { get; init; }
    /// <summary>Time of the first packet (ns since the epoch), <see cref="long.MaxValue"/> when unknown; orders a stream's files.</summary>
    public long FirstPacketNanos { get; init; }
}

/// <summary>A stream whose open flows the batch ends as idle at a packet time derived from the wall clock.</summary>
public sealed record StreamExpiry(string Stream, long NowNanos);

/// <summary>A file the source gave up on (unreadable after retries), recorded so it is reported once, not retried forever.</summary>
public sealed record SkippedFile(string Path, string Reason);

/// <summary>
/// <c>_pcapstream/sources/N</c>: everything the batch depends on, written before it runs, so a replay after a crash
/// computes exactly the same outputs: the files, the wall-clock time of planning, which quiet streams expire and
/// at what packet time, and whether the batch ends every open flow (end of a one-shot input).
/// </summary>
public sealed record SourceEntry
{
    public long Batch { get; init; }
    /// <summary>
    /// Absolute folder the files' <c>relative</c> paths (the <c>file</c> column) are under: the input folder, or
    /// the deepest folder holding every input. <c>extract</c> reads it to find the captures.
    /// </summary>
    public string? InputRoot { get; init; }
    public long WallClockMs { get; init; }
    public List<SourceFile> Files { get; init; } = [];
    public List<StreamExpiry> Expire { get; init; } = [];
    public List<SkippedFile> Skipped { get; init; } = [];
    /// <summary>End every open flow after the files (reason eof).</summary>
    public bool Flush { get; init; }
}

/// <summary>A damaged capture file and where the damage starts.</summary>
public sealed record DamagedFile(string File, long Offset, string Reason);

/// <summary><c>_pcapstream/commits/N</c>: written last; lists the part files readers may trust, and the batch's totals.</summary>
public sealed record CommitEntry
{
    public long Batch { get; init; }
    /// <summary>Part files of the packets dataset, relative to the output folder.</summary>
    public List<string> Packets { get; init; } = [];
    /// <summary>Part files of the flows dataset, relative to the output folder.</summary>
    public List<string> Flows { get; init; } = [];
    public int FileCount { get; init; }
    public long PacketCount { get; init; }
    public long FlowCount { get; init; }
    public long Bytes { get; init; }
    public long Anomalies { get; init; }
    public List<DamagedFile> Damaged { get; init; } = [];
}

/// <summary>Per-stream bookkeeping saved with the flow state.</summary>
public sealed record StreamInfo
{
    public required string Stream { get; init; }
    /// <summary>Latest packet time seen in the stream (ns since the epoch).</summary>
    public long LastPacketNanos { get; init; }
    /// <summary>Wall-clock time (ms since the epoch) the stream's last file was taken.</summary>
    public long LastFileWallMs { get; init; }
    /// <summary>Packet time up to which the stream was last expired as quiet (ns), or 0.</summary>
    public long ExpiredAtNanos { get; init; }
    /// <summary>Bytes of the stream's serialised <see cref="Flows.FlowState"/> that follow the header; 0 when no flows are open.</summary>
    public long StateLength { get; init; }
}

/// <summary>The header line of <c>_pcapstream/state/N</c>; the streams' binary flow states follow it in order.</summary>
public sealed record StateHeader
{
    public List<StreamInfo> Streams { get; init; } = [];
}

/// <summary>
/// JSON of the metadata files: camelCase, compact. Source-generated (<see cref="MetadataJsonContext"/>): the
/// reflection-based serializer JIT-compiled its getters, setters and converters on a job's first batch
/// (~60 ms of CPU per start, the cost of a small batch).
/// </summary>
internal static class MetadataJson
{
    public static string Write<T>(T value) => JsonSerializer.Serialize(value, TypeInfo<T>());

    public static T Read<T>(string json, string where) =>
        JsonSerializer.Deserialize(json, TypeInfo<T>()) ?? throw new InvalidDataException($"{where}: empty metadata.");

    private static JsonTypeInfo<T> TypeInfo<T>() =>
        MetadataJsonContext.Default.GetTypeInfo(typeof(T)) as JsonTypeInfo<T>
        ?? throw new InvalidOperationException($"{typeof(T).Name} is not a metadata type (add it to MetadataJsonContext).");
}

/// <summary>The metadata types' generated serializers.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(SourceEntry))]
[JsonSerializable(typeof(CommitEntry))]
[JsonSerializable(typeof(StateHeader))]
[JsonSerializable(typeof(StreamConventions.Record))]
internal sealed partial class MetadataJsonContext : JsonSerializerContext;
