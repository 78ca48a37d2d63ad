using PcapStream.Decoding;

namespace PcapStream.Flows;

/// <summary>
/// Ties later IP fragments (no transport header, so no ports) to the flow of their first fragment through
/// (source, destination, protocol, IP identification), so every fragment counts in its flow. A direct-mapped
/// cache of fixed size: no allocation per packet, bounded memory; a colliding datagram overwrites an older one
/// (its later fragments then fall back to a port-less flow of the same addresses). Entries older than
/// <see cref="MaxAgeNanos"/> are ignored (reassembly timeouts are 30-60 s in stacks).
/// Fragments arriving before their first fragment, or in another file than it when files are built
/// separately, also fall back to the port-less flow.
/// </summary>
internal sealed class FragmentTracker
{
    private const int Size = 4096;
    public const long MaxAgeNanos = 60L * 1_000_000_000;

    private struct Slot
    {
        public IpAddress16 Src, Dst;
        public uint IpId;
        public byte Proto;
        public bool Used;
        public byte Dir;
        public long Time;
        public FlowKey Key;
    }

    private readonly Slot[] _slots = new Slot[Size];
    // True once a first fragment was remembered: Reset clears only a tracker that was used (most files have none).
    private bool _used;

    /// <summary>Forgets every fragment (for reuse by the next file's builder).</summary>
    public void Reset()
    {
        if (_used)
        {
            Array.Clear(_slots);
            _used = false;
        }
    }

    private static int Index(in DecodedPacket p) =>
        (int)(((uint)p.Src.Low * 2654435761u) ^ ((uint)p.Dst.Low * 40503u) ^ (p.IpId * 2246822519u) ^ p.IpProto) & (Size - 1);

    /// <summary>
    /// For a fragment: remembers the key of a first fragment, or replaces the port-less key of a later one with
    /// its first fragment's key. Returns the (possibly updated) direction.
    /// </summary>
    public int Resolve(in DecodedPacket p, long time, int dir, ref FlowKey key)
    {
        ref Slot s = ref _slots[Index(p)];
        if (p.FragmentOffset == 0)
        {
            s.Src = p.Src;
            s.Dst = p.Dst;
            s.IpId = p.IpId;
            s.Proto = p.IpProto;
            s.Used = true;
            s.Dir = (byte)dir;
            s.Time = time;
            s.Key = key;
            _used = true;
            return dir;
        }
        if (s.Used && s.IpId == p.IpId && s.Proto == p.IpProto && s.Src == p.Src && s.Dst == p.Dst &&
            time - s.Time <= MaxAgeNanos && time >= s.Time)
        {
            key = s.Key;
            return s.Dir;
        }
        return dir;
    }
}
