using System.Buffers.Binary;
using System.Buffers.Text;
using System.Numerics;
using System.Text;

namespace PcapStream.Flows;

/// <summary>
/// The two identifiers of a flow record, computed once per record (never per packet):
/// Community ID v1 of the key, and the deterministic <c>flowId</c>.
/// </summary>
public static class FlowIds
{
    /// <summary>Length of a flow id's text (32 lower-case hex digits).</summary>
    public const int FlowIdLength = 32;

    /// <summary>
    /// Community ID v1 ("1:" + base64 SHA-1) of a canonical key, one key at a time (the record's string form; the
    /// sinks hash theirs in groups, <see cref="CommunityIdGroup"/>).
    /// </summary>
    public static string CommunityId(in FlowKey key, ushort seed = 0) =>
        Decoding.CommunityId.Compute(key.A, key.B, key.Proto, key.PortA, key.PortB, key.HasPorts, key.IsIPv4, seed);

    /// <summary>
    /// Deterministic flow id: MurmurHash3 x64 128 (seed 0) over (sensor, key, first-seen ns), as 32 hex digits.
    /// Not a cryptographic hash (an id, not a signature): 128 well-mixed bits are unique in practice, and it costs
    /// tens of nanoseconds where OpenSSL's SHA-256 cost a microsecond of call set-up per record.
    /// The same packets give the same id whether the flow was built in one pass or stitched from per-file
    /// segments, and a continuation record after an active timeout gets its own id (its first-seen differs).
    /// </summary>
    public static string FlowId(string sensor, in FlowKey key, long firstSeenNanos)
    {
        int sensorBytes = Encoding.UTF8.GetByteCount(sensor);
        Span<byte> name = sensorBytes <= 256 ? stackalloc byte[sensorBytes] : new byte[sensorBytes];
        Encoding.UTF8.GetBytes(sensor, name);
        Span<byte> text = stackalloc byte[FlowIdLength];
        FlowIdUtf8(name, key, firstSeenNanos, text);
        return Encoding.ASCII.GetString(text);
    }

    /// <summary>
    /// <see cref="FlowId"/> as its <see cref="FlowIdLength"/> ASCII bytes, from the sensor name's UTF-8 (encoded
    /// once per sink, not per flow): what the flows sink writes into the Parquet column.
    /// </summary>
    public static void FlowIdUtf8(ReadOnlySpan<byte> sensorUtf8, in FlowKey key, long firstSeenNanos, Span<byte> destination)
    {
        int sensorBytes = sensorUtf8.Length;
        Span<byte> buffer = sensorBytes <= 256 ? stackalloc byte[sensorBytes + 64] : new byte[sensorBytes + 64];
        sensorUtf8.CopyTo(buffer);
        int n = sensorBytes;
        buffer[n++] = 0;
        BinaryPrimitives.WriteUInt64BigEndian(buffer[n..], key.A.High);
        BinaryPrimitives.WriteUInt64BigEndian(buffer[(n + 8)..], key.A.Low);
        BinaryPrimitives.WriteUInt64BigEndian(buffer[(n + 16)..], key.B.High);
        BinaryPrimitives.WriteUInt64BigEndian(buffer[(n + 24)..], key.B.Low);
        n += 32;
        BinaryPrimitives.WriteUInt16BigEndian(buffer[n..], key.PortA);
        BinaryPrimitives.WriteUInt16BigEndian(buffer[(n + 2)..], key.PortB);
        buffer[n + 4] = key.Proto;
        buffer[n + 5] = key.Kind;
        BinaryPrimitives.WriteInt16BigEndian(buffer[(n + 6)..], key.Vlan);
        n += 8;
        BinaryPrimitives.WriteInt64BigEndian(buffer[n..], firstSeenNanos);
        n += 8;
        Span<byte> hash = stackalloc byte[16];
        Murmur3X64128(buffer[..n], hash);
        LowerHex(hash, destination);
    }

    /// <summary>
    /// Lower-case hex of 16 bytes. Not Convert.ToHexStringLower: its Vector128 path has no ReadyToRun code and ran
    /// as tier-0 (unoptimised) code for much of a batch, ~1.5 % of a flows-only ingest; a table lookup per nibble
    /// is a few ns per id.
    /// </summary>
    private static void LowerHex(ReadOnlySpan<byte> bytes, Span<byte> destination)
    {
        ReadOnlySpan<byte> digits = "0123456789abcdef"u8;
        destination = destination[..32];
        for (int i = 0; i < 16; i++)
        {
            byte b = bytes[i];
            destination[2 * i] = digits[b >> 4];
            destination[2 * i + 1] = digits[b & 15];
        }
    }

    /// <summary>MurmurHash3_x64_128 (Austin Appleby's reference, seed 0); h1 then h2, each little-endian.</summary>
    internal static void Murmur3X64128(ReadOnlySpan<byte> data, Span<byte> hash)
    {
        const ulong c1 = 0x87c37b91114253d5UL, c2 = 0x4cf5ad432745937fUL;
        ulong h1 = 0, h2 = 0;
        int blocks = data.Length / 16;
        for (int i = 0; i < blocks; i++)
        {
            ulong k1 = BinaryPrimitives.ReadUInt64LittleEndian(data[(i * 16)..]);
            ulong k2 = BinaryPrimitives.ReadUInt64LittleEndian(data[(i * 16 + 8)..]);
            h1 ^= BitOperations.RotateLeft(k1 * c1, 31) * c2;
            h1 = (BitOperations.RotateLeft(h1, 27) + h2) * 5 + 0x52dce729;
            h2 ^= BitOperations.RotateLeft(k2 * c2, 33) * c1;
            h2 = (BitOperations.RotateLeft(h2, 31) + h1) * 5 + 0x38495ab5;
        }
        ReadOnlySpan<byte> tail = data[(blocks * 16)..];
        ulong t1 = 0, t2 = 0;
        for (int i = tail.Length - 1; i >= 8; i--)
        {
            t2 = (t2 << 8) | tail[i];
        }
        for (int i = Math.Min(tail.Length, 8) - 1; i >= 0; i--)
        {
            t1 = (t1 << 8) | tail[i];
        }
        if (tail.Length > 8)
        {
            h2 ^= BitOperations.RotateLeft(t2 * c2, 33) * c1;
        }
        if (tail.Length > 0)
        {
            h1 ^= BitOperations.RotateLeft(t1 * c1, 31) * c2;
        }
        h1 ^= (ulong)data.Length;
        h2 ^= (ulong)data.Length;
        h1 += h2;
        h2 += h1;
        h1 = Fmix(h1);
        h2 = Fmix(h2);
        h1 += h2;
        h2 += h1;
        BinaryPrimitives.WriteUInt64LittleEndian(hash, h1);
        BinaryPrimitives.WriteUInt64LittleEndian(hash[8..], h2);
    }

    private static ulong Fmix(ulong k)
    {
        k ^= k >> 33;
        k *= 0xff51afd7ed558ccdUL;
        k ^= k >> 33;
        k *= 0xc4ceb9fe1a85ec53UL;
        return k ^ (k >> 33);
    }

    /// <summary>
    /// The Community ID tuple of a canonical key, for <see cref="Decoding.CommunityId.FormatUtf8Batch"/>: gives the
    /// same text as <see cref="CommunityId"/>. The key is already in Community ID order with ICMP types mapped;
    /// hashing maps and orders again, which leaves such a key unchanged (the mapping is its own inverse on mapped
    /// pairs, and one-way ICMP is never reordered).
    /// </summary>
    internal static Decoding.CommunityIdTuple ToCommunityTuple(in FlowKey key) =>
        new(key.A, key.B, key.Proto, key.PortA, key.PortB, key.HasPorts, key.IsIPv4);
}

/// <summary>
/// Community IDs of flow keys hashed in groups through the multi-buffer SHA-1
/// (<see cref="Decoding.CommunityId.FormatUtf8Batch"/>, 4 or 8 keys at once; CommunityIdBenchmarks): add keys until
/// <see cref="Add"/> says the group is full, <see cref="Hash"/>, read each key's text with <see cref="TextOf"/>, then
/// <see cref="Clear"/>. The caller provides the buffers (stackalloc'd: <see cref="Size"/> tuples and
/// <see cref="Size"/> x <see cref="TextLength"/> bytes).
/// </summary>
internal ref struct CommunityIdGroup(Span<Decoding.CommunityIdTuple> tuples, Span<byte> text)
{
    /// <summary>Keys per group.</summary>
    public const int Size = 64;

    /// <summary>Bytes of one seed-0 Community ID's text ("1:" + 28 base64 characters).</summary>
    public const int TextLength = Decoding.CommunityId.Base64TextLength;

    private readonly Span<Decoding.CommunityIdTuple> _tuples = tuples;
    private readonly Span<byte> _text = text;

    /// <summary>Keys added since the last <see cref="Clear"/>.</summary>
    public int Count { get; private set; }

    /// <summary>Adds a key; true when the group is now full.</summary>
    public bool Add(in FlowKey key)
    {
        _tuples[Count++] = FlowIds.ToCommunityTuple(key);
        return Count == _tuples.Length;
    }

    /// <summary>Hashes the keys added.</summary>
    public readonly void Hash() => Decoding.CommunityId.FormatUtf8Batch(_tuples[..Count], _text);

    /// <summary>The text of the <paramref name="i"/>-th key added (valid after <see cref="Hash"/>).</summary>
    public readonly ReadOnlySpan<byte> TextOf(int i) => _text.Slice(i * TextLength, TextLength);

    /// <summary>Empties the group.</summary>
    public void Clear() => Count = 0;
}
