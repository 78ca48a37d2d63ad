using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;
using PcapStream.Flows;
using PcapStream.Sinks;

namespace PcapStream.Streaming;

/// <summary>
/// Runs one planned batch: decodes its files in parallel (one file per core), stitches flows per capture stream in
/// file order from the previous batch's state, writes the datasets, then the state and the commit. Outputs are
/// deterministic (names from batch id and file/stream index), so a replay replaces them.
/// </summary>
internal sealed class BatchExecutor
{
    private readonly JobOptions _options;
    private readonly MetadataLog _state;
    private readonly TextWriter _log;
    private readonly ConcurrentBag<PacketRowBuffer> _buffers = [];

    public BatchExecutor(JobOptions options, MetadataLog state, TextWriter log)
    {
        _options = options;
        _state = state;
        _log = log;
    }

    public Action<long>? Progress { get; set; }

    /// <summary>Runs the batch and commits it. On failure or cancel its outputs are removed and the exception rethrown.</summary>
    public BatchReport Execute(SourceEntry entry, MetadataLog commits, CancellationToken cancel)
    {
        var clock = Stopwatch.StartNew();
        string output = _options.Output;
        DatasetLayout.DeleteBatchOutputs(output, entry.Batch);
        try
        {
            FileResult[] results = DecodeAll(entry, cancel);
            (StateHeader header, Dictionary<string, byte[]> states) = ReadState(entry.Batch - 1);
            var commit = new CommitEntry { Batch = entry.Batch, FileCount = entry.Files.Count };
            long flowCount = StitchAndWrite(entry, results, header, states, commit, out StateHeader newHeader, out List<byte[]> newStates, cancel);
            FaultInjection.Pause("after-sinks");
            WriteState(entry.Batch, newHeader, newStates);
            FaultInjection.Pause("after-state");

            long packets = 0, bytes = 0, anomalies = 0;
            var damaged = new List<DamagedFile>();
            foreach (FileResult r in results)
            {
                packets += r.Packets;
                bytes += r.Source.Size;
                anomalies += r.Anomalies;
                commit.Packets.AddRange(Relative(r.PacketParts));
                if (r.Damage is not null)
                {
                    damaged.Add(r.Damage);
                    _log.WriteLine($"pcapstream: warning: {r.Source.Path} is damaged at byte offset {r.Damage.Offset}: {r.Damage.Reason}; the {r.Packets} packets before it were processed.");
                }
            }
            commit = commit with { PacketCount = packets, FlowCount = flowCount, Bytes = bytes, Anomalies = anomalies, Damaged = damaged };
            if (!commits.TryAdd(entry.Batch, MetadataJson.Write(commit)))
            {
                throw new IOException($"batch {entry.Batch} is already committed in '{commits.Directory}': another job wrote to it.");
            }
            FaultInjection.Pause("after-commit");
            return new BatchReport
            {
                Batch = entry.Batch,
                Files = entry.Files.Count,
                Packets = packets,
                Flows = flowCount,
                Bytes = bytes,
                Seconds = clock.Elapsed.TotalSeconds,
                Anomalies = anomalies,
                Damaged = damaged,
                Skipped = entry.Skipped,
            };
        }
        catch
        {
            Cleanup(entry.Batch);
            throw;
        }
    }

    private void Cleanup(long batch)
    {
        try
        {
            _state.TruncateAfter(batch - 1);
            DatasetLayout.DeleteBatchOutputs(_options.Output, batch);
        }
        catch (IOException)
        {
            // Best effort: the next start removes uncommitted outputs anyway.
        }
    }

    private IEnumerable<string> Relative(List<string> paths)
    {
        foreach (string p in paths)
        {
            yield return Path.GetRelativePath(_options.Output, p);
        }
    }

    private FileResult[] DecodeAll(SourceEntry entry, CancellationToken cancel)
    {
        var results = new FileResult[entry.Files.Count];
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, _options.Parallelism), CancellationToken = cancel };
        try
        {
            Parallel.For(0, results.Length, parallel, i =>
                results[i] = FileDecoder.Decode(entry.Files[i], i, entry.Batch, _options.Output, _options.Flows, _options.Sinks,
                    _buffers, Progress, cancel));
        }
        catch (AggregateException e) when (e.InnerExceptions.Count > 0)
        {
            // One clear error, not an aggregate: the first failure (a cancel if that is what it was).
            foreach (Exception inner in e.InnerExceptions)
            {
                if (inner is OperationCanceledException)
                {
                    throw inner;
                }
            }
            throw e.InnerExceptions[0];
        }
        return results;
    }

    private long StitchAndWrite(SourceEntry entry, FileResult[] results, StateHeader header, Dictionary<string, byte[]> states,
        CommitEntry commit, out StateHeader newHeader, out List<byte[]> newStates, CancellationToken cancel)
    {
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
        var expire = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (StreamExpiry e in entry.Expire)
        {
            expire[e.Stream] = e.NowNanos;
        }

        long flowCount = 0;
        int streamIndex = 0;
        newHeader = new StateHeader();
        newStates = [];
        var ended = new List<FlowRecord>();
        foreach ((string stream, StreamInfo info) in infos)
        {
            cancel.ThrowIfCancellationRequested();
            int index = streamIndex++;
            byte[]? state = states.GetValueOrDefault(stream);
            long lastPacket = info.LastPacketNanos;
            bool hasFiles = false;
            foreach (FileResult r in results)
            {
                if (r.Source.Stream == stream)
                {
                    hasFiles = true;
                    lastPacket = Math.Max(lastPacket, r.LastPacketNanos);
                }
            }
            bool expires = expire.TryGetValue(stream, out long nowNanos);
            if (!hasFiles && !expires && !(entry.Flush && state is not null))
            {
                newHeader.Streams.Add(info);
                if (state is not null)
                {
                    newStates.Add(state);
                }
                continue;
            }

            FlowStitcher stitcher = new(_options.Flows, stream, state is null ? null : FlowState.ReadFrom(new MemoryStream(state)));
            ended.Clear();
            foreach (FileResult r in results)
            {
                if (r.Source.Stream == stream && r.Segments is not null)
                {
                    stitcher.Add(r.Segments, ended);
                }
            }
            if (expires)
            {
                stitcher.ExpireIdle(nowNanos, ended);
            }
            if (entry.Flush)
            {
                stitcher.Flush(ended);
            }
            byte[]? saved = null;
            if (stitcher.OpenFlows > 0)
            {
                using var buffer = new MemoryStream();
                stitcher.SaveState().WriteTo(buffer);
                saved = buffer.ToArray();
                newStates.Add(saved);
            }
            newHeader.Streams.Add(new StreamInfo
            {
                Stream = stream,
                LastPacketNanos = lastPacket,
                LastFileWallMs = hasFiles ? entry.WallClockMs : info.LastFileWallMs,
                ExpiredAtNanos = expires ? nowNanos : info.ExpiredAtNanos,
                StateLength = saved?.Length ?? 0,
            });
            if (ended.Count > 0)
            {
                List<string> parts = FlowSink.WriteAsync(_options.Output, entry.Batch, index, ended, _options.Sinks, cancel).GetAwaiter().GetResult();
                commit.Flows.AddRange(Relative(parts));
                flowCount += ended.Count;
            }
        }
        return flowCount;
    }

    /// <summary>The stream bookkeeping of a committed batch (empty before the first).</summary>
    public StateHeader ReadHeader(long batch) => batch < 0 ? new StateHeader() : ReadState(batch, headerOnly: true).Header;

    private (StateHeader Header, Dictionary<string, byte[]> States) ReadState(long batch, bool headerOnly = false)
    {
        var states = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        if (batch < 0)
        {
            return (new StateHeader(), states);
        }
        using Stream stream = _state.Open(batch)
            ?? throw new InvalidDataException($"{_state.PathOf(batch)} is missing: the flow state of committed batch {batch} is needed to continue.");
        var line = new List<byte>(256);
        int b;
        while ((b = stream.ReadByte()) >= 0 && b != '\n')
        {
            line.Add((byte)b);
        }
        StateHeader header = MetadataJson.Read<StateHeader>(Encoding.UTF8.GetString([.. line]), _state.PathOf(batch));
        if (headerOnly)
        {
            return (header, states);
        }
        foreach (StreamInfo info in header.Streams)
        {
            if (info.StateLength > 0)
            {
                byte[] blob = new byte[info.StateLength];
                stream.ReadExactly(blob);
                states[info.Stream] = blob;
            }
        }
        return (header, states);
    }

    private void WriteState(long batch, StateHeader header, List<byte[]> states)
    {
        _state.TruncateAfter(batch - 1);
        _state.TryAdd(batch, s =>
        {
            s.Write(Encoding.UTF8.GetBytes(MetadataJson.Write(header)));
            s.WriteByte((byte)'\n');
            foreach (byte[] blob in states)
            {
                s.Write(blob);
            }
        });
    }
}
