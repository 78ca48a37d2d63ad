namespace PcapStream.Decoding;

/// <summary>
/// Why a decode stopped early (the <c>anomaly</c> column). The layers before the stop are kept. Names are the
/// schema values (see <see cref="AnomalyNames"/>); add new ones at the end, the numbers are stored.
/// </summary>
public enum Anomaly : byte
{
    None = 0,
    /// <summary>The captured bytes end inside a header (caplen/snaplen cut it).</summary>
    Truncated,
    /// <summary>The link type is not one we decode.</summary>
    UnsupportedLinkType,
    /// <summary>A link layer or tunnel names a next protocol we do not decode (not IP, not a known encapsulation).
    /// ARP, STP, LLC and other well-known non-IP frames are not anomalies: they simply have no IP fields.</summary>
    UnknownNextProtocol,
    MalformedEthernet,
    MalformedVlan,
    MalformedMpls,
    MalformedPpp,
    MalformedIPv4,
    MalformedIPv6,
    MalformedIPv6ExtensionHeader,
    MalformedTcp,
    MalformedUdp,
    MalformedIcmp,
    MalformedSctp,
    MalformedTunnel,
    /// <summary>IPsec ESP: the rest is encrypted, the walk stops (not an error).</summary>
    Encrypted,
    /// <summary>Tunnels nested deeper than the decoder follows.</summary>
    TooManyLayers,
    Malformed80211,
    MalformedRadiotap,
}

/// <summary>The schema text of each <see cref="Anomaly"/> (kebab-case, as in DESIGN.md: truncated, malformed-ipv4, ...).</summary>
public static class AnomalyNames
{
    // Indexed by the enum value; keep in step with Anomaly.
    private static readonly string?[] Names =
    [
        null, // None
        "truncated", // Truncated
        "unsupported-link-type", // UnsupportedLinkType
        "unknown-next-protocol", // UnknownNextProtocol
        "malformed-ethernet", // MalformedEthernet
        "malformed-vlan", // MalformedVlan
        "malformed-mpls", // MalformedMpls
        "malformed-ppp", // MalformedPpp
        "malformed-ipv4", // MalformedIPv4
        "malformed-ipv6", // MalformedIPv6
        "malformed-ipv6-extension-header", // MalformedIPv6ExtensionHeader
        "malformed-tcp", // MalformedTcp
        "malformed-udp", // MalformedUdp
        "malformed-icmp", // MalformedIcmp
        "malformed-sctp", // MalformedSctp
        "malformed-tunnel", // MalformedTunnel
        "encrypted", // Encrypted
        "too-many-layers", // TooManyLayers
        "malformed-80211", // Malformed80211
        "malformed-radiotap", // MalformedRadiotap
    ];

    /// <summary>The schema name, or null for <see cref="Anomaly.None"/>.</summary>
    public static string? Of(Anomaly anomaly) => (int)anomaly < Names.Length ? Names[(int)anomaly] : anomaly.ToString();
}
