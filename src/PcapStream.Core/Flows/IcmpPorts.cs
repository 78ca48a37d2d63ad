using PcapStream.Decoding;

namespace PcapStream.Flows;

/// <summary>
/// Flow keys use Community ID v1's ICMP port mapping, so both directions of a request/reply pair meet in one flow
/// and the flow's Community ID is the packets'. The table itself lives in <see cref="CommunityId.MapIcmp"/>.
/// </summary>
internal static class IcmpPorts
{
    /// <summary>Maps ICMP type/code to ports. Returns false for one-way types.</summary>
    public static bool Map(bool icmpv6, byte type, byte code, out ushort srcPort, out ushort dstPort)
    {
        (srcPort, dstPort, bool oneWay) = CommunityId.MapIcmp(icmpv6 ? (byte)58 : (byte)1, type, code);
        return !oneWay;
    }
}
