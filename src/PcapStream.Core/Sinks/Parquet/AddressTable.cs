using System.Numerics;
using System.Runtime.CompilerServices;
using PcapStream.Decoding;

namespace PcapStream.Sinks.Parquet;

/// <summary>
/// Open-addressing map from an address to a dictionary index: the key of the address columns' dictionaries, so
/// an address's text is formatted once per row group, not per packet. One text per key: an IPv4(-mapped) address
/// is dotted-quad text; the rare v4-mapped address inside an IPv6 header is not keyed here (see
/// <see cref="StringColumn.AddAddress"/>).
/// Linear probing over a power-of-two table kept under half full; cleared (capacity kept) per row group.
/// </summary>
internal sealed class AddressTable
{
    private ulong[] _high = new ulong[1024], _low = new ulong[1024];
    private int[] _value = new int[1024]; // index + 1; 0 = empty slot
    private int _count;

    /// <summary>Entries held.</summary>
    public int Count => _count;

    /// <summary>Forgets every entry.</summary>
    public void Clear()
    {
        if (_count > 0)
        {
            Array.Clear(_value);
            _count = 0;
        }
    }

    /// <summary>The index stored for the key, or -1.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int Find(IpAddress16 address, out int slot)
    {
        ulong hi = address.High, lo = address.Low;
        int mask = _value.Length - 1;
        slot = (int)(((hi * 0x9E3779B97F4A7C15UL) ^ (lo * 0xC2B2AE3D27D4EB4FUL)) >> 40) & mask;
        while (true)
        {
            int v = _value[slot];
            if (v == 0)
            {
                return -1;
            }
            if (_low[slot] == lo && _high[slot] == hi)
            {
                return v - 1;
            }
            slot = (slot + 1) & mask;
        }
    }

    /// <summary>Adds a key known to be absent at the slot <see cref="Find"/> returned.</summary>
    public void Add(IpAddress16 address, int slot, int index)
    {
        if ((_count + 1) * 2 > _value.Length)
        {
            Grow();
            Find(address, out slot);
        }
        _high[slot] = address.High;
        _low[slot] = address.Low;
        _value[slot] = index + 1;
        _count++;
    }

    private void Grow()
    {
        ulong[] high = _high, low = _low;
        int[] value = _value;
        int size = (int)BitOperations.RoundUpToPowerOf2((uint)value.Length * 2);
        _high = new ulong[size];
        _low = new ulong[size];
        _value = new int[size];
        int mask = size - 1;
        for (int s = 0; s < value.Length; s++)
        {
            if (value[s] == 0)
            {
                continue;
            }
            int slot = (int)(((high[s] * 0x9E3779B97F4A7C15UL) ^ (low[s] * 0xC2B2AE3D27D4EB4FUL)) >> 40) & mask;
            while (_value[slot] != 0)
            {
                slot = (slot + 1) & mask;
            }
            _high[slot] = high[s];
            _low[slot] = low[s];
            _value[slot] = value[s];
        }
    }
}
