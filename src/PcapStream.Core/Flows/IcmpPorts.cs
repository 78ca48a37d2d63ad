namespace PcapStream.Flows;

/// <summary>
/// Community ID v1's ICMP port mapping (corelight/community-id-spec): message types that come in request/reply
/// pairs become (type, counterpart type) so both directions meet in one flow; every other type is one-way and
/// becomes (type, code).
/// </summary>
internal static class IcmpPorts
{
    /// <summary>Maps ICMP type/code to ports. Returns false for one-way types.</summary>
    public static bool Map(bool icmpv6, byte type, byte code, out ushort srcPort, out ushort dstPort)
    {
        int counterpart = icmpv6 ? V6(type) : V4(type);
        srcPort = type;
        if (counterpart < 0)
        {
            dstPort = code;
            return false;
        }
        dstPort = (ushort)counterpart;
        return true;
    }

    private static int V4(byte type) => type switch
    {
        8 => 0, 0 => 8,       // echo / echo reply
        13 => 14, 14 => 13,   // timestamp
        15 => 16, 16 => 15,   // information
        10 => 9, 9 => 10,     // router solicitation / advertisement
        17 => 18, 18 => 17,   // address mask
        _ => -1,
    };

    private static int V6(byte type) => type switch
    {
        128 => 129, 129 => 128, // echo
        133 => 134, 134 => 133, // router solicitation / advertisement
        135 => 136, 136 => 135, // neighbour solicitation / advertisement
        130 => 131, 131 => 130, // multicast listener query / report
        139 => 140, 140 => 139, // node information query / response
        144 => 145, 145 => 144, // home agent address discovery
        _ => -1,
    };
}
