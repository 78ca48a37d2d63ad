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
    // ListEnded: the number of expiry lists (it was also the per-file builder's list of finished head-run markers).
    internal const int ListTcp = 0, ListOther = 1, ListIcmp = 2, ListClosed = 3, ListEnded = 4, ListCount = 5;

    // Entries in fixed chunks of 4096 (~750 KB): growing adds a chunk instead of doubling and copying one array,
    // so memory follows the flow count (no half-empty array after a doubling, no old+new copy at the peak).
    private const int ChunkBits = 12, ChunkSize = 1 << ChunkBits, ChunkMask = ChunkSize - 1;
    private FlowEntry[][] _chunks;
    // Expiry list links by slot, apart from the entries: moving a flow to a list's tail touches its neighbours'
    // links, and 8-byte links (2 MB for 269k flows) stay in cache where their ~160-byte entries do not.
    private Link[] _links;
    private int _capacity;
    // Files of a flow whose files are not a contiguous run, by slot (rare: a dictionary, not 8 bytes per slot).
    private readonly Dictionary<int, List<int>> _extraFiles = [];
    // Bucket: slot + 1 in the low bits (_slotMask), the hash's high bits above as a tag; 0 = empty. A probe
    // touches an entry (a cache miss: ~160 bytes each, tens of MB in all) only when the tag matches.
    private int[] _buckets;
    private int _mask;
    private readonly int _slotMask;
    private int _count;
    private readonly int _maxFlows;
    private readonly int[] _head = new int[ListCount];
    private readonly int[] _tail = new int[ListCount];

    public FlowTable(FlowSettings settings, IFlowSink sink, int initialCapacity = 1 << 14)
    {
        ArgumentNullException.ThrowIfNull(settings);
        Settings = settings;
        _maxFlows = Math.Max(2, settings.MaxFlows);
        _slotMask = (int)(System.Numerics.BitOperations.RoundUpToPowerOf2((uint)_maxFlows + 1) - 1);
        int capacity = Math.Clamp(initialCapacity, Math.Min(16, _maxFlows), _maxFlows);
        _chunks = new FlowEntry[(capacity + ChunkSize - 1) >> ChunkBits][];
        for (int i = 0; i < _chunks.Length; i++)
        {
            _chunks[i] = new FlowEntry[ChunkSize];
        }
        _capacity = _chunks.Length << ChunkBits;
        _links = new Link[_capacity];
        _buckets = new int[RoundUpPow2(_capacity * 2)];
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

    /// <summary>The settings the table was made with (a pooled table is reused only for equal settings).</summary>
    public FlowSettings Settings { get; }

    /// <summary>Capacity in slots (grows by chunks up to the flow limit).</summary>
    internal int Capacity => _capacity;

    /// <summary>
    /// Empties the table for reuse (<see cref="BuilderPool.RentTable"/>): its arrays keep their size, so a table reused
    /// for a file like the last one neither allocates nor grows. Only the index is cleared; entries and links are
    /// written when a slot is taken (<see cref="Place"/>), never read before.
    /// </summary>
    internal void Reset(IFlowSink sink)
    {
        Array.Clear(_buckets);
        _count = 0;
        _extraFiles.Clear();
        _head.AsSpan().Fill(-1);
        _tail.AsSpan().Fill(-1);
        Sink = sink;
        CurrentFile = 0;
        EvictedCount = 0;
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
    internal ref FlowEntry this[int slot] => ref E(slot);

    /// <summary>The entry of a slot (0 .. Count-1).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private ref FlowEntry E(int slot) => ref _chunks[slot >> ChunkBits][slot & ChunkMask];

    /// <summary>Files of the slot's flow beyond a contiguous run, or null.</summary>
    internal List<int>? ExtraFiles(int slot) => _extraFiles.Count != 0 ? _extraFiles.GetValueOrDefault(slot) : null;

    /// <summary>First slot of an expiry list (oldest last-packet time), or -1.</summary>
    internal int HeadOf(int list) => _head[list];

    /// <summary>The slot after <paramref name="slot"/> on its expiry list, or -1.</summary>
    internal int NextOf(int slot) => _links[slot].Next;

    /// <summary>True when some slot has an explicit file list (else no lookup is needed to find one).</summary>
    internal bool HasExtraFiles => _extraFiles.Count != 0;

    internal void SetExtraFiles(int slot, List<int>? files)
    {
        if (files is null)
        {
            _extraFiles.Remove(slot);
        }
        else
        {
            _extraFiles[slot] = files;
        }
    }

    /// <summary>Finds the slot of a key, or returns the one's complement of the empty bucket where it would go.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int Find(in FlowKey key, int hash)
    {
        int[] buckets = _buckets;
        int mask = _mask;
        int slotMask = _slotMask;
        int b = hash & mask;
        while (true)
        {
            int v = buckets[b];
            if (v == 0)
            {
                return ~b;
            }
            if (((v ^ hash) & ~slotMask) == 0)
            {
                int s = (v & slotMask) - 1;
                ref FlowEntry e = ref E(s);
                if (e.Hash == hash && e.Key.Equals(key))
                {
                    return s;
                }
            }
            b = (b + 1) & mask;
        }
    }

    /// <summary>
    /// Takes a new slot for a key known to be absent. When the table is full the oldest idle flow is evicted
    /// first (<see cref="EndReason.Evicted"/>), so memory stays bounded.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public int Insert(in FlowKey key, int hash, long now)
    {
        if (_count >= _maxFlows)
        {
            EvictOne(now);
        }
        if (_count == _capacity)
        {
            Grow();
        }
        int b = Find(key, hash);
        // Find cannot succeed here (the key is absent); re-probe because eviction or growth moved buckets.
        return Place(~b, key, hash);
    }

    /// <summary>
    /// <see cref="Insert"/> given the empty bucket where <see cref="Find"/> just stopped (~its result): when the
    /// table has room (the common case) no bucket moves, so the key goes there without probing again.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int InsertAt(int emptyBucket, in FlowKey key, int hash, long now) =>
        _count < _maxFlows && _count < _capacity ? Place(emptyBucket, key, hash) : Insert(key, hash, now);

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private int Place(int b, in FlowKey key, int hash)
    {
        int slot = _count++;
        _buckets[b] = (hash & ~_slotMask) | (slot + 1);
        ref FlowEntry e = ref E(slot);
        e = default;
        e.Key = key;
        e.Hash = hash;
        e.List = 255;
        _links[slot] = new Link(-1, -1);
        return slot;
    }

    /// <summary>Removes a slot (the last slot moves into its place).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Remove(int slot)
    {
        Unlink(slot);
        int mask = _mask;
        int slotMask = _slotMask;
        int b = E(slot).Hash & mask;
        while ((_buckets[b] & slotMask) != slot + 1)
        {
            b = (b + 1) & mask;
        }
        // Backward-shift deletion: pull later members of the probe run into the hole.
        int i = b, j = b;
        while (true)
        {
            j = (j + 1) & mask;
            int s = (_buckets[j] & slotMask) - 1;
            if (s < 0)
            {
                break;
            }
            int k = E(s).Hash & mask;
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
            ref FlowEntry moved = ref E(last);
            int mb = moved.Hash & mask;
            while ((_buckets[mb] & slotMask) != last + 1)
            {
                mb = (mb + 1) & mask;
            }
            _buckets[mb] = (_buckets[mb] & ~slotMask) | (slot + 1);
            E(slot) = moved;
            Link[] links = _links;
            Link l = links[slot] = links[last];
            if (_extraFiles.Count != 0)
            {
                SetExtraFiles(slot, _extraFiles.GetValueOrDefault(last));
            }
            ref FlowEntry e = ref E(slot);
            if (l.Prev >= 0) links[l.Prev].Next = slot; else if (e.List < ListCount) _head[e.List] = slot;
            if (l.Next >= 0) links[l.Next].Prev = slot; else if (e.List < ListCount) _tail[e.List] = slot;
        }
        if (_extraFiles.Count != 0)
        {
            _extraFiles.Remove(last);
        }
    }

    private void Grow()
    {
        Array.Resize(ref _chunks, _chunks.Length + 1);
        _chunks[^1] = new FlowEntry[ChunkSize];
        int capacity = _capacity += ChunkSize;
        if (capacity > _links.Length)
        {
            // Geometric, not one chunk at a time: growing by 4096 each time left ~n²/8192 slots of dead link
            // arrays on the large-object heap (250 MB allocated for 500,000 flows), and peak RSS with them.
            Array.Resize(ref _links, (int)Math.Min(Math.Max((long)capacity, _links.Length * 2L), (long)_slotMask + ChunkSize));
        }
        if (capacity * 2 > _buckets.Length)
        {
            _buckets = new int[RoundUpPow2(capacity * 2)];
            _mask = _buckets.Length - 1;
            for (int s = 0; s < _count; s++)
            {
                int hash = E(s).Hash;
                int b = hash & _mask;
                while (_buckets[b] != 0)
                {
                    b = (b + 1) & _mask;
                }
                _buckets[b] = (hash & ~_slotMask) | (s + 1);
            }
        }
    }

    /// <summary>Appends a slot at the tail of an expiry list (unlinking it from its current list first).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void MoveToTail(int slot, int list)
    {
        if (_tail[list] == slot)
        {
            return; // already the tail: the common case for a busy flow (no link is touched)
        }
        MoveToTailSlow(slot, list);
    }

    private void MoveToTailSlow(int slot, int list)
    {
        Unlink(slot);
        ref FlowEntry e = ref E(slot);
        Link[] links = _links;
        e.List = (byte)list;
        int prev = _tail[list];
        links[slot] = new Link(prev, -1);
        if (prev >= 0) links[prev].Next = slot; else _head[list] = slot;
        _tail[list] = slot;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Unlink(int slot)
    {
        ref FlowEntry e = ref E(slot);
        int list = e.List;
        if (list >= ListCount)
        {
            return;
        }
        Link[] links = _links;
        Link l = links[slot];
        if (l.Prev >= 0) links[l.Prev].Next = l.Next; else _head[list] = l.Next;
        if (l.Next >= 0) links[l.Next].Prev = l.Prev; else _tail[list] = l.Prev;
        links[slot] = new Link(-1, -1);
        e.List = 255;
    }

    /// <summary>A slot's expiry list neighbours (slot indexes, -1 none).</summary>
    private struct Link(int prev, int next)
    {
        public int Prev = prev, Next = next;
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
