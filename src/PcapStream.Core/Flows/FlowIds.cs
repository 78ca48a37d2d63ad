using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace PcapStream.Flows;

/// <summary>
/// The two identifiers of a flow record, computed once per record (never per packet):
/// Community ID v1 of the key, and the deterministic <c>flowId</c>.
/// </summary>
public static class FlowIds
{
    /// <summary>
    /// Community ID v1 ("1:" + base64 SHA-1) of a canonical key. The key is already in Community ID order
    /// (smaller (address, port) first; one-way ICMP as sent), so no reordering is needed here.
    /// </summary>
    public static string CommunityId(in FlowKey key, ushort seed = 0)
    {
        // seed(2) a(4|16) b(4|16) proto(1) pad(1) [portA(2) portB(2)]
        Span<byte> buffer = stackalloc byte[2 + 32 + 2 + 4];
        BinaryPrimitives.WriteUInt16BigEndian(buffer, seed);
        int n = 2;
        n += key.A.WriteBytes(buffer[n..], key.IsIPv4);
        n += key.B.WriteBytes(buffer[n..], key.IsIPv4);
        buffer[n++] = key.Proto;
        buffer[n++] = 0;
        if (key.HasPorts)
        {
            BinaryPrimitives.WriteUInt16BigEndian(buffer[n..], key.PortA);
            BinaryPrimitives.WriteUInt16BigEndian(buffer[(n + 2)..], key.PortB);
            n += 4;
        }
        Span<byte> hash = stackalloc byte[20];
        SHA1.HashData(buffer[..n], hash);
        return "1:" + Convert.ToBase64String(hash);
    }

    /// <summary>
    /// Deterministic flow id: the first 16 bytes of SHA-256 over (sensor, key, first-seen ns), as 32 hex digits.
    /// The same packets give the same id whether the flow was built in one pass or stitched from per-file
    /// segments, and a continuation record after an active timeout gets its own id (its first-seen differs).
    /// </summary>
    public static string FlowId(string sensor, in FlowKey key, long firstSeenNanos)
    {
        int sensorBytes = Encoding.UTF8.GetByteCount(sensor);
        Span<byte> buffer = sensorBytes <= 256 ? stackalloc byte[sensorBytes + 64] : new byte[sensorBytes + 64];
        int n = Encoding.UTF8.GetBytes(sensor, buffer);
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
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(buffer[..n], hash);
        return Convert.ToHexStringLower(hash[..16]);
    }
}
