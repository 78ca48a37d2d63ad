using PcapStream.Flows;

namespace PcapStream.Streaming;

/// <summary>
/// The flow stitching of one batch, per capture stream: each stream's stitcher starts from the state the previous
/// batch saved and takes the stream's files in batch (capture) order as they finish decoding. Stream indexes
/// (the flows part names) are fixed up front by the streams' sorted names, so a replay names its parts the same.
/// </summary>
internal sealed class StitchRun
{
    private readonly JobOptions _options;
    private readonly Dictionary<string, Stream> _byName = new(StringComparer.Ordinal);

    public StitchRun(JobOptions options, SourceEntry entry, StateHeader header, Dictionary<string, byte[]> states)
    {
        _options = options;
        var infos = new SortedDictionary<string, StreamInfo>(StringComparer.Ordinal);
        foreach (StreamInfo info in header.Streams)
        {
            infos[info.Stream] = info;
        }
        foreach (SourceFile f in entry.Files)
        {
            if (!infos.ContainsKey(f.Stream))
            {
                infos[f.Stream] = new StreamInfo { Stream = f.Stream };
            }
        }
        int index = 0;
        foreach ((string name, StreamInfo info) in infos)
        {
            var s = new Stream(this, name, index++, info, states.GetValueOrDefault(name));
            Streams.Add(s);
            _byName.Add(name, s);
        }
        foreach (StreamExpiry e in entry.Expire)
        {
            Expiry[e.Stream] = e.NowNanos;
        }
    }

    /// <summary>Streams in name order (their index order).</summary>
    public List<Stream> Streams { get; } = [];

    /// <summary>Streams the batch expires as quiet, with the packet time to expire at.</summary>
    public Dictionary<string, long> Expiry { get; } = new(StringComparer.Ordinal);

    /// <summary>Told of each stream's ended flows after every stitched file, to write finished hours early.</summary>
    public required Sinks.FlowBatchWriter Writer { get; init; }

    /// <summary>Stitches one decoded file into its stream. Call in batch file order.</summary>
    public void Add(FileResult result)
    {
        Stream s = _byName[result.Source.Stream];
        s.HasFiles = true;
        s.LastPacketNanos = Math.Max(s.LastPacketNanos, result.LastPacketNanos);
        if (result.Segments is not null)
        {
            FlowStitcher stitcher = s.Stitcher();
            stitcher.Add(result.Segments, s.Ended);
            Writer.Stitched(s.Index, s.Ended, stitcher.WatermarkNanos);
        }
    }

    /// <summary>One capture stream's stitching.</summary>
    public sealed class Stream(StitchRun run, string name, int index, StreamInfo info, byte[]? state)
    {
        private FlowStitcher? _stitcher;

        public string Name { get; } = name;
        public int Index { get; } = index;
        public StreamInfo Info { get; } = info;
        /// <summary>The serialised open flows carried from the previous batch, or null.</summary>
        public byte[]? State { get; } = state;
        public bool HasFiles { get; set; }
        public long LastPacketNanos { get; set; } = info.LastPacketNanos;
        /// <summary>Flows ended so far in this batch, in the stitcher's (deterministic) order.</summary>
        public List<FlowRecord> Ended { get; } = [];

        /// <summary>The stream's stitcher, created from the carried state on first use.</summary>
        public FlowStitcher Stitcher() => _stitcher ??=
            new FlowStitcher(run._options.Flows, Name, State is null ? null : FlowState.ReadFrom(new MemoryStream(State)));
    }
}
