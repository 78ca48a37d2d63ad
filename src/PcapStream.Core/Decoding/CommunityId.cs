namespace PcapStream.Decoding;

/// <summary>
/// Community ID v1 (https://github.com/corelight/community-id-spec): a hash of the flow's 5-tuple that is the
/// same for both directions. Computing it allocates only the returned string.
/// </summary>
public static partial class CommunityId
{
    /// <summary>Community ID v1 of a decoded packet ("1:" + base64 of SHA-1), or null when it has no IP header.</summary>
    public static string? Compute(in DecodedPacket packet, ushort seed = 0) => throw new NotImplementedException();

    /// <summary>
    /// Community ID v1 of a tuple. For ICMP/ICMPv6 pass the type as <paramref name="srcPort"/> and the code as
    /// <paramref name="dstPort"/>; the type/code mapping of the spec is applied here. For protocols without
    /// ports pass <paramref name="hasPorts"/> false.
    /// </summary>
    public static string Compute(IpAddress16 src, IpAddress16 dst, byte ipProto, ushort srcPort, ushort dstPort,
        bool hasPorts, bool isIPv4, ushort seed = 0, bool base64 = true) => throw new NotImplementedException();
}
