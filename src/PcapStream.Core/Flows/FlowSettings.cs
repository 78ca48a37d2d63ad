namespace PcapStream.Flows;

/// <summary>
/// Flow timeouts and limits. Times are in packet time (capture timestamps), never the wall clock.
/// A timeout of zero disables that timeout.
/// </summary>
public sealed record FlowSettings
{
    /// <summary>TCP flow ends after this long without a packet. Default 300 s.</summary>
    public TimeSpan TcpIdleTimeout { get; init; } = TimeSpan.FromSeconds(300);
    /// <summary>UDP and other protocols end after this long without a packet. Default 60 s.</summary>
    public TimeSpan UdpIdleTimeout { get; init; } = TimeSpan.FromSeconds(60);
    /// <summary>ICMP/ICMPv6 flows end after this long without a packet. Default 60 s.</summary>
    public TimeSpan IcmpIdleTimeout { get; init; } = TimeSpan.FromSeconds(60);
    /// <summary>A flow open this long is ended and continues as a new record. Default 1800 s.</summary>
    public TimeSpan ActiveTimeout { get; init; } = TimeSpan.FromSeconds(1800);
    /// <summary>After FIN from both sides or a RST, late packets within this time still count to the flow. Default 5 s.</summary>
    public TimeSpan TcpCloseGrace { get; init; } = TimeSpan.FromSeconds(5);
    /// <summary>Most concurrent flows held; past it the oldest idle flows are ended as evicted. Default 4 Mi.</summary>
    public int MaxFlows { get; init; } = 4 * 1024 * 1024;
}
