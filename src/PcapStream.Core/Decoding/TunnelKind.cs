namespace PcapStream.Decoding;

/// <summary>The outermost tunnel a packet was carried in (the <c>tunnel</c> column). Stored by number; append only.</summary>
public enum TunnelKind : byte
{
    None = 0,
    Gre,
    Erspan,
    Vxlan,
    Geneve,
    Gtp,
    IpIp,
    Teredo,
}

/// <summary>Schema names of <see cref="TunnelKind"/> values (gre, erspan, vxlan, geneve, gtp, ipip, teredo).</summary>
public static class TunnelNames
{
    private static readonly string?[] Names = [null, "gre", "erspan", "vxlan", "geneve", "gtp", "ipip", "teredo"];

    /// <summary>The schema name, or null for <see cref="TunnelKind.None"/>.</summary>
    public static string? Of(TunnelKind kind) => Names[(int)kind];
}
