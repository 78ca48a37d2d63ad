using System.Runtime.CompilerServices;

namespace PcapStream.Flows;

internal sealed partial class FlowTable
{
    /// <summary>
    /// Counts one packet in its flow, ending the flow first when the packet comes after the flow's deadline
    /// (idle, active, close grace) or is a SYN with a new ISN after the connection closed. Returns the slot.
    /// Allocates nothing.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int Update(in FlowKey key, int hash, in FlowPacket p)
    {
        int slot = Find(key, hash);
        if (slot < 0)
        {
            slot = InsertAt(~slot, key, hash, p.Time);
            Start(slot, p, continuation: false);
            return slot;
        }
        CountIn(slot, p);
        return slot;
    }

    /// <summary>Counts one packet in the existing flow slot of its key (<see cref="Update"/> after the lookup).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void CountIn(int slot, in FlowPacket p)
    {
        // The common packet, inline: an open flow not closed (so on its protocol's list), the packet in time order
        // and within the idle and active timeouts, no SYN/FIN/RST, same file as the flow's last packet. What
        // ContinueOrRestart would do with it reduces to counting it and moving the flow to its list's tail.
        ref FlowEntry e = ref E(slot);
        int list = ListOf(e.Key);
        long t = p.Time;
        if (e.Mode == EntryMode.Flow && e.List == list && t >= e.Last && t - e.Last <= IdleOf(e.Key) &&
            t - e.First <= Active && (p.TcpFlags & (TcpBits.Syn | TcpBits.Fin | TcpBits.Rst)) == 0 &&
            e.LastFile == CurrentFile)
        {
            AddCounters(ref e, p);
            e.Last = t;
            MoveToTail(slot, list);
            return;
        }
        ContinueOrRestart(slot, p);
    }

    /// <summary>Counts a packet in an existing flow slot, ending and restarting the flow when rules say so.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void ContinueOrRestart(int slot, in FlowPacket p)
    {
        ref FlowEntry e = ref E(slot);
        if (e.Mode == EntryMode.Continuing)
        {
            Start(slot, p, continuation: p.Time - e.Last <= IdleOf(e.Key));
            return;
        }
        long deadline = Deadline(e, out EndReason reason);
        if (p.Time > deadline)
        {
            EndAndRestart(slot, p, reason);
            return;
        }
        if (p.HasTcp && e.IsClosed && (p.TcpFlags & (TcpBits.Syn | TcpBits.Ack)) == TcpBits.Syn && p.Seq != e.Isn)
        {
            // A new connection reusing the 5-tuple inside the close grace period (Zeek does the same).
            EndAndRestart(slot, p, (e.History & (HistoryBits.RstA | HistoryBits.RstB)) != 0 ? EndReason.Rst : EndReason.Fin);
            return;
        }
        Accumulate(ref e, slot, p);
    }

    private void EndAndRestart(int slot, in FlowPacket p, EndReason reason)
    {
        ref FlowEntry e = ref E(slot);
        Sink.Ended(this, ref e, reason);
        // After an active cut the connection goes on in a new record, unless it also went quiet for longer
        // than the idle timeout (then the packet is a new flow).
        Start(slot, p, continuation: reason == EndReason.Active && p.Time - e.Last <= IdleOf(e.Key));
    }

    /// <summary>
    /// The time after which the flow has ended, and why: the earliest of the close grace (after FIN both ways
    /// or RST), the idle timeout (after the last packet) and the active timeout (after the first packet). A pure
    /// function of the flow, so a flow ends the same whenever the table happens to look at it.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public long Deadline(in FlowEntry e, out EndReason reason)
    {
        long d = long.MaxValue;
        reason = EndReason.Eof;
        if (e.IsClosed)
        {
            d = e.ClosedAt + Grace;
            reason = (e.History & (HistoryBits.RstA | HistoryBits.RstB)) != 0 ? EndReason.Rst : EndReason.Fin;
        }
        long idle = e.Last + IdleOf(e.Key);
        if (idle < d)
        {
            d = idle;
            reason = EndReason.Idle;
        }
        long active = e.First + Active;
        if (active < d)
        {
            d = active;
            reason = EndReason.Active;
        }
        return d;
    }

    /// <summary>
    /// Starts a new flow in a slot with its first packet. A continuation (after an active timeout) keeps the
    /// originator evidence and handshake history: it is the same connection, cut into records.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Start(int slot, in FlowPacket p, bool continuation)
    {
        ref FlowEntry e = ref E(slot);
        byte orig = continuation ? e.Orig : (byte)(p.Dir & 1);
        byte history = continuation ? (byte)(e.History & (HistoryBits.SynA | HistoryBits.SynB | HistoryBits.SynAckA | HistoryBits.SynAckB)) : (byte)0;
        uint isn = continuation ? e.Isn : 0;
        if (_extraFiles.Count != 0)
        {
            _extraFiles.Remove(slot);
        }
        Unlink(slot);
        e.Mode = EntryMode.Flow;
        e.First = p.Time;
        e.Last = p.Time;
        e.ClosedAt = 0;
        e.PktA = e.PktB = e.BytesA = e.BytesB = e.IpA = e.IpB = e.PayA = e.PayB = 0;
        e.FlagsA = e.FlagsB = 0;
        e.Orig = orig;
        e.History = history;
        e.Isn = isn;
        e.FirstFile = e.LastFile = CurrentFile;
        e.FileCount = 1;
        Accumulate(ref e, slot, p);
    }

    // The packet's per-direction counters. Indexed by direction instead of a branch on it (the direction of
    // consecutive packets is hard to predict): each A field is directly followed by its B field.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void AddCounters(ref FlowEntry e, in FlowPacket p)
    {
        int dir = p.Dir & 1;
        Unsafe.Add(ref e.PktA, dir)++;
        Unsafe.Add(ref e.BytesA, dir) += p.WireLength;
        Unsafe.Add(ref e.IpA, dir) += p.IpLength;
        Unsafe.Add(ref e.PayA, dir) += p.PayloadLength;
        Unsafe.Add(ref e.FlagsA, dir) |= p.TcpFlags;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void Accumulate(ref FlowEntry e, int slot, in FlowPacket p)
    {
        AddCounters(ref e, p);
        if (p.Time > e.Last)
        {
            e.Last = p.Time;
        }
        else if (p.Time < e.First)
        {
            // Out of order, earlier than every packet so far (capture reordering across CPUs or merged taps): the
            // flow started then. Zeek and YAF take the minimum too.
            e.First = p.Time;
        }
        if (e.LastFile != CurrentFile)
        {
            NewFile(ref e, slot);
        }
        // Only SYN, FIN and RST change the TCP state; most segments carry just ACK (and PSH), so they skip the call.
        if ((p.TcpFlags & (TcpBits.Syn | TcpBits.Fin | TcpBits.Rst)) != 0)
        {
            TcpEvents(ref e, slot, p);
        }
        else if (e.List != ListClosed)
        {
            MoveToTail(slot, ListOf(e.Key));
        }
    }

    private void NewFile(ref FlowEntry e, int slot)
    {
        List<int>? extra = ExtraFiles(slot);
        if (CurrentFile != e.LastFile + 1 || extra is not null)
        {
            // Not a contiguous run of files any more: keep the explicit list (rare, allocates per flow).
            List<int> files = extra ?? (_extraFiles[slot] = ContiguousFiles(e));
            files.Add(CurrentFile);
        }
        e.LastFile = CurrentFile;
        e.FileCount++;
    }

    private static List<int> ContiguousFiles(in FlowEntry e)
    {
        var files = new List<int>(e.FileCount + 2);
        for (int f = e.FirstFile; f <= e.LastFile; f++)
        {
            files.Add(f);
        }
        return files;
    }

    /// <summary>Handshake, close and originator evidence from a packet's TCP flags.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void TcpEvents(ref FlowEntry e, int slot, in FlowPacket p)
    {
        ushort f = p.TcpFlags;
        int dir = p.Dir;
        bool wasClosed = e.IsClosed;
        if ((f & TcpBits.Syn) != 0)
        {
            if ((f & TcpBits.Ack) == 0)
            {
                e.History |= (byte)(HistoryBits.SynA << dir);
                if (((e.Orig >> 1) & 3) == 0)
                {
                    e.Orig |= (byte)((dir + 1) << 1);
                    e.Isn = p.Seq;
                }
            }
            else
            {
                e.History |= (byte)(HistoryBits.SynAckA << dir);
                if (((e.Orig >> 3) & 3) == 0)
                {
                    e.Orig |= (byte)((dir + 1) << 3);
                }
            }
        }
        if ((f & TcpBits.Fin) != 0)
        {
            e.History |= (byte)(HistoryBits.FinA << dir);
        }
        if ((f & TcpBits.Rst) != 0)
        {
            e.History |= (byte)(HistoryBits.RstA << dir);
        }
        if (!wasClosed && e.IsClosed)
        {
            e.ClosedAt = p.Time;
            MoveToTail(slot, ListClosed);
        }
        else if (e.List != ListClosed)
        {
            MoveToTail(slot, ListOf(e.Key));
        }
    }
}
