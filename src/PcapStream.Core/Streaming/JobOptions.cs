using System.Globalization;
using PcapStream.Flows;
using PcapStream.Sinks;

namespace PcapStream.Streaming;

/// <summary>Settings of <see cref="StreamingJob"/> (the <c>run</c> and <c>ingest</c> commands).</summary>
public sealed record JobOptions
{
    /// <summary>Input roots (folders watched recursively) or single capture files.</summary>
    public required IReadOnlyList<string> Inputs { get; init; }
    /// <summary>Output folder: datasets plus <c>_pcapstream/</c> metadata.</summary>
    public required string Output { get; init; }
    /// <summary>Time between batch starts when caught up. Default 30 s.</summary>
    public TimeSpan Interval { get; init; } = TimeSpan.FromSeconds(30);
    /// <summary>Process what is complete now, then stop.</summary>
    public bool Once { get; init; }
    /// <summary>With <see cref="Once"/>: end every open flow when drained (the input is finished). Ingest does this.</summary>
    public bool FlushAtEnd { get; init; }
    /// <summary>Most files per batch; 0 = no limit. Bounds the batch's memory (flow segments) and its replay time.</summary>
    public int MaxFilesPerBatch { get; init; }
    /// <summary>
    /// Most capture bytes per batch (at least one file is always taken); 0 = no limit. Default 256 MiB per decoding
    /// core: a batch holds the flow segments of its files until they are stitched, so this bounds the job's memory
    /// whatever the backlog, while keeping every core busy.
    /// </summary>
    public long MaxBytesPerBatch { get; init; } = (256L << 20) * Environment.ProcessorCount;
    /// <summary>Files decoded at once; default one per core.</summary>
    public int Parallelism { get; init; } = Environment.ProcessorCount;
    public FlowSettings Flows { get; init; } = new();
    public SinkOptions Sinks { get; init; } = new();
    public SourceOptions Source { get; init; } = new();
}

/// <summary>The one-line report of a batch.</summary>
public sealed record BatchReport
{
    public long Batch { get; init; }
    public bool Replayed { get; init; }
    public int Files { get; init; }
    public long Packets { get; init; }
    public long Flows { get; init; }
    public long Bytes { get; init; }
    public double Seconds { get; init; }
    public long Anomalies { get; init; }
    public IReadOnlyList<DamagedFile> Damaged { get; init; } = [];
    public IReadOnlyList<SkippedFile> Skipped { get; init; } = [];
    public int PendingFiles { get; init; }
    public double LagSeconds { get; init; }

    /// <summary>Throughput of the batch in MB/s (10^6 bytes of capture files per second).</summary>
    public double MegabytesPerSecond => Seconds > 0 ? Bytes / 1e6 / Seconds : 0;

    public override string ToString()
    {
        var text = string.Create(CultureInfo.InvariantCulture,
            $"batch {Batch}{(Replayed ? " (replayed)" : "")}: {Files} files, {Packets:N0} packets, {Flows:N0} flows, {Bytes / 1e6:0.0} MB in {Seconds:0.00} s ({MegabytesPerSecond:0.0} MB/s), {Anomalies:N0} anomalies, {Damaged.Count} damaged, lag {LagSeconds:0} s ({PendingFiles} files pending)");
        foreach (DamagedFile d in Damaged)
        {
            text += string.Create(CultureInfo.InvariantCulture, $"; damaged {d.File} at byte {d.Offset}: {d.Reason}");
        }
        foreach (SkippedFile s in Skipped)
        {
            text += $"; unreadable {s.Path}: {s.Reason}";
        }
        return text;
    }
}
