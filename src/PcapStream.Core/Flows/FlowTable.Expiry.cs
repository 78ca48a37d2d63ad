namespace PcapStream.Flows;

internal sealed partial class FlowTable
{
    /// <summary>
    /// Ends the flows whose deadline is before <paramref name="now"/> (packet time), looking only at the heads
    /// of the expiry lists: each list is ordered by last packet (or close) time, so the first head still alive
    /// stops the walk. A flow whose active timeout passed while it is not at a head is ended by its next packet
    /// or its idle time, with the same record either way (the end reason is a pure function of the flow).
    /// </summary>
    public void Sweep(long now)
    {
        for (int list = 0; list < ListEnded; list++)
        {
            while (_head[list] >= 0)
            {
                int slot = _head[list];
                ref FlowEntry e = ref E(slot);
                if (e.Mode == EntryMode.Continuing)
                {
                    if (now - e.Last <= IdleOf(e.Key))
                    {
                        break;
                    }
                    Remove(slot);
                    continue;
                }
                long deadline = Deadline(e, out EndReason reason);
                if (now <= deadline)
                {
                    break;
                }
                Sink.Ended(this, ref e, reason);
                if (reason == EndReason.Active)
                {
                    e.Mode = EntryMode.Continuing;
                    if (list == ListClosed)
                    {
                        MoveToTail(slot, ListOf(e.Key));
                    }
                }
                else
                {
                    Remove(slot);
                }
            }
        }
    }

    /// <summary>
    /// Ends every flow whose deadline passed before <paramref name="now"/>, scanning the whole table (the exact
    /// form of <see cref="Sweep"/>, used once at the end of a stream and by an explicit idle expiry).
    /// </summary>
    public void SweepAll(long now)
    {
        for (int slot = _count - 1; slot >= 0; slot--)
        {
            ref FlowEntry e = ref E(slot);
            if (e.Mode != EntryMode.Flow)
            {
                if (e.Mode == EntryMode.Continuing && now - e.Last > IdleOf(e.Key))
                {
                    Remove(slot);
                }
                continue;
            }
            long deadline = Deadline(e, out EndReason reason);
            if (now > deadline)
            {
                Sink.Ended(this, ref e, reason);
                if (reason == EndReason.Active && now - e.Last <= IdleOf(e.Key))
                {
                    e.Mode = EntryMode.Continuing;
                }
                else
                {
                    Remove(slot); // the last slot moves here; it was already visited (we walk downwards)
                }
            }
        }
    }

    /// <summary>
    /// Ends every open flow at the end of the stream: those past their deadline at <paramref name="now"/> with
    /// their own reason, closed connections as fin/rst, the rest as <see cref="EndReason.Eof"/>.
    /// </summary>
    public void FlushAll(long now)
    {
        SweepAll(now);
        for (int slot = _count - 1; slot >= 0; slot--)
        {
            ref FlowEntry e = ref E(slot);
            if (e.Mode == EntryMode.Flow)
            {
                EndReason reason = !e.IsClosed ? EndReason.Eof
                    : (e.History & (HistoryBits.RstA | HistoryBits.RstB)) != 0 ? EndReason.Rst : EndReason.Fin;
                Sink.Ended(this, ref e, reason);
            }
            Remove(slot);
        }
    }

    /// <summary>
    /// Makes room for one flow: first expires what is due at <paramref name="now"/>; if the table is still full,
    /// ends the least recently seen flow as <see cref="EndReason.Evicted"/>.
    /// </summary>
    private void EvictOne(long now)
    {
        Sweep(now);
        if (_count < _maxFlows)
        {
            return;
        }
        int victim = -1;
        long oldest = long.MaxValue;
        for (int list = 0; list < ListEnded; list++)
        {
            int h = _head[list];
            if (h >= 0 && E(h).Last < oldest)
            {
                oldest = E(h).Last;
                victim = h;
            }
        }
        if (victim < 0)
        {
            victim = 0; // every slot is unlisted (cannot happen for flows; defensive)
        }
        ref FlowEntry e = ref E(victim);
        if (e.Mode == EntryMode.Flow)
        {
            EvictedCount++;
            Sink.Ended(this, ref e, EndReason.Evicted);
        }
        Remove(victim);
    }
}
