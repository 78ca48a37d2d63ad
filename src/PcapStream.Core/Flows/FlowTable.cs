using System.Runtime.CompilerServices;

namespace PcapStream.Flows;

/// <summary>Receives flows as the table ends them (by reference: a counting sink allocates nothing).</summary>
internal interface IFlowSink
{
    void Ended(FlowTable table, ref FlowEntry entry, EndReason reason);
}

/// <summary>
/// The flow table: open addressing over an index of slot numbers (linear probing, backward-shift deletion, no
/// tombstones) in front of one dense array of <see cref="FlowEntry"/> structs. The index is at most half full;
/// the dense array grows by doubling up to <see cref="FlowSettings.MaxFlows"/>, so memory follows the number of
/// concurrent flows (about 160 bytes of entry + 16 bytes of index each). Expiry lists per timeout class are
/// intrusive doubly linked lists ordered by last packet time, so expiry looks only at list heads.
/// </summary>
internal sealed partial class FlowTable
{
    internal const int ListTcp = 0, ListOther = 1, ListIcmp = 2, ListClosed = 3, ListEnded = 4, ListCount = 5;

    private FlowEntry[] _entries;
    private List<int>?[] _extraFiles; // files of a flow whose files are not a contiguous run (rare)
    private int[] _buckets;           // slot + 1; 0 = empty
    private int _mask;
    private int _count;
    private readonly int _maxFlows;
    private readonly int[] _head = new int[ListCount];
    private readonly int[] _tail = new int[ListCount];

    public FlowTable(FlowSettings settings, IFlowSink sink, int initialCapacity = 1 << 14)
    {
        ArgumentNullException.ThrowIfNull(settings);
        _maxFlows = Math.Max(2, settings.MaxFlows);
        int capacity = Math.Clamp(initialCapacity, Math.Min(16, _maxFlows), _maxFlows);
        _entries = new FlowEntry[capacity];
        _extraFiles = new List<int>?[capacity];
        _buckets = new int[RoundUpPow2(capacity * 2)];
        _mask = _buckets.Length - 1;
        _head.AsSpan().Fill(-1);
        _tail.AsSpan().Fill(-1);
        Sink = sink;
        TcpIdle = Ns(settings.TcpIdleTimeout);
        OtherIdle = Ns(settings.UdpIdleTimeout);
        IcmpIdle = Ns(settings.IcmpIdleTimeout);
        Active = Ns(settings.ActiveTimeout);
        Grace = settings.TcpCloseGrace <= TimeSpan.Zero ? 0 : settings.TcpCloseGrace.Ticks * 100;
    }

    /// <summary>Timeouts in ns; long.MaxValue / 4 when disabled (so adding a time cannot overflow).</summary>
    internal readonly long TcpIdle, OtherIdle, IcmpIdle, Active, Grace;

    private static long Ns(TimeSpan t) => t <= TimeSpan.Zero ? long.MaxValue / 4 : t.Ticks * 100;

    private static int RoundUpPow2(int n) => (int)System.Numerics.BitOperations.RoundUpToPowerOf2((uint)Math.Max(n, 16));

    public IFlowSink Sink { get; set; }

    /// <summary>Index of the capture file whose packets are being added (recorded in each flow's file list).</summary>
    public int CurrentFile { get; set; }

    /// <summary>Number of occupied slots.</summary>
    public int Count => _count;

    /// <summary>Flows ended early because the table was full.</summary>
    public long EvictedCount { get; internal set; }

    /// <summary>The slot array (valid indexes 0 .. Count-1).</summary>
    internal ref FlowEntry this[int slot] => ref _entries[slot];

    /// <summary>Files of the slot's flow beyond a contiguous run, or null.</summary>
    internal List<int>? ExtraFiles(int slot) => _extraFiles[slot];

    internal void SetExtraFiles(int slot, List<int>? files) => _extraFiles[slot] = files;

    /// <summary>Finds the slot of a key, or returns the one's complement of the empty bucket where it would go.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int Find(in FlowKey key, int hash)
    {
        int[] buckets = _buckets;
        FlowEntry[] entries = _entries;
        int mask = _mask;
        int b = hash & mask;
        while (true)
        {
            int s = buckets[b] - 1;
            if (s < 0)
            {
                return ~b;
            }
            ref FlowEntry e = ref entries[s];
            if (e.Hash == hash && e.Key.Equals(key))
            {
                return s;
            }
            b = (b + 1) & mask;
        }
    }

    /// <summary>
    /// Takes a new slot for a key known to be absent. When the table is full the oldest idle flow is evicted
    /// first (<see cref="EndReason.Evicted"/>), so memory stays bounded.
    /// </summary>
    public int Insert(in FlowKey key, int hash, long now)
    {
        if (_count >= _maxFlows)
        {
            EvictOne(now);
        }
        if (_count == _entries.Length)
        {
            Grow();
        }
        int b = Find(key, hash);
        // Find cannot succeed here (the key is absent); re-probe because eviction or growth moved buckets.
        b = ~b;
        int slot = _count++;
        _buckets[b] = slot + 1;
        ref FlowEntry e = ref _entries[slot];
        e = default;
        e.Key = key;
        e.Hash = hash;
        e.Prev = e.Next = -1;
        e.List = 255;
        return slot;
    }

    /// <summary>Removes a slot (the last slot moves into its place).</summary>
    public void Remove(int slot)
    {
        Unlink(slot);
        int mask = _mask;
        int b = _entries[slot].Hash & mask;
        while (_buckets[b] != slot + 1)
        {
            b = (b + 1) & mask;
        }
        // Backward-shift deletion: pull later members of the probe run into the hole.
        int i = b, j = b;
        while (true)
        {
            j = (j + 1) & mask;
            int s = _buckets[j] - 1;
            if (s < 0)
            {
                break;
            }
            int k = _entries[s].Hash & mask;
            bool between = i <= j ? (i < k && k <= j) : (i < k || k <= j);
            if (!between)
            {
                _buckets[i] = _buckets[j];
                i = j;
            }
        }
        _buckets[i] = 0;

        int last = --_count;
        if (slot != last)
        {
            ref FlowEntry moved = ref _entries[last];
            int mb = moved.Hash & mask;
            while (_buckets[mb] != last + 1)
            {
                mb = (mb + 1) & mask;
            }
            _buckets[mb] = slot + 1;
            _entries[slot] = moved;
            _extraFiles[slot] = _extraFiles[last];
            ref FlowEntry e = ref _entries[slot];
            if (e.Prev >= 0) _entries[e.Prev].Next = slot; else if (e.List < ListCount) _head[e.List] = slot;
            if (e.Next >= 0) _entries[e.Next].Prev = slot; else if (e.List < ListCount) _tail[e.List] = slot;
        }
        _extraFiles[last] = null;
    }

    private void Grow()
    {
        int capacity = (int)Math.Min((long)_entries.Length * 2, _maxFlows);
        Array.Resize(ref _entries, capacity);
        Array.Resize(ref _extraFiles, capacity);
        if (capacity * 2 > _buckets.Length)
        {
            _buckets = new int[RoundUpPow2(capacity * 2)];
            _mask = _buckets.Length - 1;
            for (int s = 0; s < _count; s++)
            {
                int b = _entries[s].Hash & _mask;
                while (_buckets[b] != 0)
                {
                    b = (b + 1) & _mask;
                }
                _buckets[b] = s + 1;
            }
        }
    }

    /// <summary>Appends a slot at the tail of an expiry list (unlinking it from its current list first).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void MoveToTail(int slot, int list)
    {
        ref FlowEntry e = ref _entries[slot];
        if (e.List == list && e.Next < 0)
        {
            return; // already the tail: the common case for a busy flow
        }
        Unlink(slot);
        e.List = (byte)list;
        e.Prev = _tail[list];
        e.Next = -1;
        if (e.Prev >= 0) _entries[e.Prev].Next = slot; else _head[list] = slot;
        _tail[list] = slot;
    }

    private void Unlink(int slot)
    {
        ref FlowEntry e = ref _entries[slot];
        if (e.List >= ListCount)
        {
            return;
        }
        if (e.Prev >= 0) _entries[e.Prev].Next = e.Next; else _head[e.List] = e.Next;
        if (e.Next >= 0) _entries[e.Next].Prev = e.Prev; else _tail[e.List] = e.Prev;
        e.Prev = e.Next = -1;
        e.List = 255;
    }

    /// <summary>The idle timeout of a key's protocol (ns).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public long IdleOf(in FlowKey key) => key.Proto switch
    {
        6 => TcpIdle,
        1 or 58 => IcmpIdle,
        _ => OtherIdle,
    };

    /// <summary>The expiry list of an open (not closed) flow of a key's protocol.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int ListOf(in FlowKey key) => key.Proto switch
    {
        6 => ListTcp,
        1 or 58 => ListIcmp,
        _ => ListOther,
    };
}
