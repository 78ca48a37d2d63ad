namespace PcapStream.Decoding;

/// <summary>
/// The inputs of one Community ID v1, as <see cref="CommunityId.HashTuple"/> takes them: the packet's (or flow
/// key's) endpoints in either order, the IP protocol, the ports (ICMP/ICMPv6: type as <see cref="SrcPort"/>,
/// code as <see cref="DstPort"/>; the spec's type mapping and the endpoint ordering are applied when hashing),
/// whether ports take part at all, and whether the addresses are written as 4-byte IPv4 or 16-byte IPv6.
/// 40 bytes; batches of these go to <see cref="CommunityId.FormatUtf8Batch"/>.
/// </summary>
public readonly struct CommunityIdTuple
{
    /// <summary>Source address (IPv4 stored IPv4-mapped).</summary>
    public readonly IpAddress16 Src;
    /// <summary>Destination address.</summary>
    public readonly IpAddress16 Dst;
    /// <summary>Source port, or the ICMP type; ignored when <see cref="HasPorts"/> is false.</summary>
    public readonly ushort SrcPort;
    /// <summary>Destination port, or the ICMP code (or its mapped counterpart type).</summary>
    public readonly ushort DstPort;
    /// <summary>IANA protocol number.</summary>
    public readonly byte Proto;
    /// <summary>True when the ports take part in the hash (TCP, UDP, SCTP, ICMP type/code as read).</summary>
    public readonly bool HasPorts;
    /// <summary>True when the addresses are hashed as 4 bytes each (an IPv4 packet), else 16.</summary>
    public readonly bool IsIPv4;

    /// <summary>A tuple with the argument conventions of <see cref="CommunityId.HashTuple"/>.</summary>
    public CommunityIdTuple(IpAddress16 src, IpAddress16 dst, byte proto, ushort srcPort, ushort dstPort, bool hasPorts, bool isIPv4)
    {
        Src = src;
        Dst = dst;
        Proto = proto;
        SrcPort = srcPort;
        DstPort = dstPort;
        HasPorts = hasPorts;
        IsIPv4 = isIPv4;
    }

    /// <inheritdoc/>
    public override string ToString() =>
        $"{ProtocolNames.Of(Proto)} {Src}:{SrcPort} -> {Dst}:{DstPort}{(HasPorts ? "" : " (no ports)")}{(IsIPv4 ? "" : " v6")}";
}
