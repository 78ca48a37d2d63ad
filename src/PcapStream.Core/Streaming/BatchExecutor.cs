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

    /// <summary>
    /// Whether a file may be read through a memory mapping (the fast path) rather than copies; default yes. A
    /// mapped file truncated by another process while it is read crashes the process (SIGBUS), so the job says no
    /// for streams whose files have been seen rewritten in place (a ring buffer such as <c>tcpdump -W</c>).
    /// </summary>
    public Func<SourceFile, bool>? MapFile { get; set; }

    /// <summary>
    /// True when no part file of a batch above the last committed one can exist: the job's start-up removed them
    /// (<see cref="Sinks.DatasetLayout.DeleteUncommitted"/>) and every failed batch since has removed its own. Then
    /// <see cref="Execute"/> skips the search for leftovers of its batch, a walk of every file of both datasets that
    /// grew with the output (a long-running job's every batch listed every part it had ever written).
    /// </summary>
    public bool OutputsClean { get; set; }

    /// <summary>Runs the batch and commits it. On failure or cancel its outputs are removed and the exception rethrown.</summary>
    public BatchReport Execute(SourceEntry entry, MetadataLog commits, CancellationToken cancel)
    {
        var clock = Stopwatch.StartNew();
        string output = _options.Output;
        if (!OutputsClean)
        {
            DatasetLayout.DeleteBatchOutputs(output, entry.Batch);
            OutputsClean = true;
        }
        try
        {
            (StateHeader header, Dictionary<string, byte[]> states) = ReadState(entry.Batch - 1);
            var commit = new CommitEntry { Batch = entry.Batch, FileCount = entry.Files.Count };
            // Disposed (its background writes stopped and waited for) before a failed batch's outputs are removed.
            using var flows = new FlowBatchWriter(output, entry.Batch, _options.Sinks, _options.Parallelism,
                FlowBatchWriter.SealLagNanos(_options.Flows), cancel);
            var stitch = new StitchRun(_options, entry, header, states) { Writer = flows };
            FileResult[] results = DecodeAll(entry, stitch, cancel);
            long flowCount = Finish(entry, stitch, flows, commit, out StateHeader newHeader, out List<byte[]> newStates, cancel);
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
        OutputsClean = false; // until the removal below has succeeded
        try
        {
            _state.TruncateAfter(batch - 1);
            DatasetLayout.DeleteBatchOutputs(_options.Output, batch);
            OutputsClean = true;
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

    // Decodes the files in parallel while this thread stitches each finished file into its stream, in file
    // order: stitching overlaps decoding instead of running after it, and a file's segments are dropped as soon
    // as they are stitched, so the batch holds only the files decoded but not yet stitched.
    private FileResult[] DecodeAll(SourceEntry entry, StitchRun stitch, CancellationToken cancel)
    {
        int count = entry.Files.Count;
        var results = new FileResult[count];
        var done = new SemaphoreSlim[count];
        for (int i = 0; i < count; i++)
        {
            done[i] = new SemaphoreSlim(0, 1);
        }
        using var failed = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, _options.Parallelism), CancellationToken = failed.Token };
        Task decode = Task.Run(() =>
        {
            try
            {
                // Files are taken one at a time in batch order (not Parallel.For's ranges): the stitcher takes them
                // in that order, so each is stitched soon after it is decoded, which lets the flows writer start on
                // finished hours early and frees each file's segments sooner.
                Parallel.ForEach(Partitioner.Create(Enumerable.Range(0, count), EnumerablePartitionerOptions.NoBuffering), parallel, i =>
                {
                    try
                    {
                        SourceFile file = entry.Files[i];
                        bool mapped = MapFile?.Invoke(file) ?? true;
                        results[i] = FileDecoder.Decode(file, mapped, i, entry.Batch, _options.Output, _options.Flows, _options.Sinks,
                            _buffers, Progress, failed.Token);
                    }
                    finally
                    {
                        done[i].Release();
                    }
                });
            }
            finally
            {
                // Wake the stitcher for files never started (cancel or failure), so it sees the error.
                for (int i = 0; i < count; i++)
                {
                    if (results[i] is null && done[i].CurrentCount == 0)
                    {
                        try
                        {
                            done[i].Release();
                        }
                        catch (SemaphoreFullException)
                        {
                        }
                    }
                }
            }
        }, CancellationToken.None);
        try
        {
            for (int i = 0; i < count; i++)
            {
                done[i].Wait(CancellationToken.None);
                FileResult? r = results[i];
                if (r is null)
                {
                    break; // decode failed or was cancelled: the task's exception says which
                }
                stitch.Add(r);
                r.Segments = null;
            }
        }
        catch
        {
            failed.Cancel();
            WaitQuietly(decode);
            throw;
        }
        try
        {
            decode.GetAwaiter().GetResult();
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
        finally
        {
            foreach (SemaphoreSlim s in done)
            {
                s.Dispose();
            }
        }
        return results;
    }

    private static void WaitQuietly(Task task)
    {
        try
        {
            task.Wait();
        }
        catch (AggregateException)
        {
            // The stitcher's own failure is the one reported.
        }
    }

    // Ends the batch's stitching per stream (quiet-stream expiry, end-of-input flush), saves the open flows, and
    // writes the streams' ended flows.
    private long Finish(SourceEntry entry, StitchRun stitch, FlowBatchWriter flows, CommitEntry commit, out StateHeader newHeader,
        out List<byte[]> newStates, CancellationToken cancel)
    {
        long flowCount = 0;
        newHeader = new StateHeader();
        newStates = [];
        var toWrite = new List<FlowSink.StreamFlows>();
        foreach (StitchRun.Stream s in stitch.Streams)
        {
            cancel.ThrowIfCancellationRequested();
            StreamInfo info = s.Info;
            bool expires = stitch.Expiry.TryGetValue(s.Name, out long nowNanos);
            if (!s.HasFiles && !expires && !(entry.Flush && s.State is not null))
            {
                newHeader.Streams.Add(info);
                if (s.State is not null)
                {
                    newStates.Add(s.State);
                }
                continue;
            }
            FlowStitcher stitcher = s.Stitcher();
            if (expires)
            {
                stitcher.ExpireIdle(nowNanos, s.Ended);
            }
            if (entry.Flush)
            {
                stitcher.Flush(s.Ended);
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
                Stream = s.Name,
                LastPacketNanos = s.LastPacketNanos,
                LastFileWallMs = s.HasFiles ? entry.WallClockMs : info.LastFileWallMs,
                ExpiredAtNanos = expires ? nowNanos : info.ExpiredAtNanos,
                StateLength = saved?.Length ?? 0,
            });
            if (s.Ended.Count > 0)
            {
                toWrite.Add(new FlowSink.StreamFlows(s.Index, s.Ended));
                flowCount += s.Ended.Count;
            }
        }
        // The parts not written early, across the cores (the decoders are done); all listed in stream then hour order.
        commit.Flows.AddRange(Relative(flows.Finish(toWrite)));
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
