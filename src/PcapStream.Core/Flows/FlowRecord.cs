using PcapStream.Decoding;

namespace PcapStream.Flows;

/// <summary>Why a flow record ended (the <c>endReason</c> column).</summary>
public enum EndReason : byte
{
    /// <summary>No packet for the protocol's idle timeout.</summary>
    Idle,
    /// <summary>Open longer than the active timeout; the flow continues as a new record with the same community ID.</summary>
    Active,
    /// <summary>TCP closed by FIN from both sides (after the grace period).</summary>
    Fin,
    /// <summary>TCP reset.</summary>
    Rst,
    /// <summary>The capture stream ended (end of input of a one-shot run).</summary>
    Eof,
    /// <summary>Ended early because the flow table was full (oldest idle flow).</summary>
    Evicted,
}

/// <summary>
/// One bidirectional flow: the <c>flows</c> dataset row (DESIGN.md "Records"). Src is the originator, dst the
/// responder. Byte counts are whole frames as on the wire (encapsulation included) unless named otherwise.
/// </summary>
public sealed class FlowRecord
{
    private string? _flowId, _communityId;

    /// <summary>
    /// Deterministic id (same input, same id): it becomes the Elasticsearch _id. Formatted on first use from
    /// <see cref="Key"/>: the flows sink writes the id's bytes straight into its column and never asks for the string.
    /// </summary>
    public string FlowId
    {
        get => _flowId ??= FlowIds.FlowId(Sensor, Key, FirstSeenNanos);
        init => _flowId = value;
    }

    /// <summary>Community ID v1 (seed 0); hashed on first use (or given, when the per-file builder had it already).</summary>
    public string CommunityId
    {
        get => _communityId ??= FlowIds.CommunityId(Key);
        init => _communityId = value;
    }

    /// <summary>The Community ID when it is already a string (given, or asked for before), else null.</summary>
    internal string? KnownCommunityId
    {
        get => _communityId;
        init => _communityId = value;
    }

    /// <summary>The flow id when it is already a string (given, or asked for before), else null.</summary>
    internal string? KnownFlowId => _flowId;

    /// <summary>The flow's canonical key (Community ID order): what both ids are computed from.</summary>
    internal FlowKey Key { get; init; }

    public required string Sensor { get; init; }
    public long FirstSeenNanos { get; set; }
    public long LastSeenNanos { get; set; }
    public byte IpVersion { get; set; }
    public byte IpProto { get; set; }
    public IpAddress16 SrcIP { get; set; }
    /// <summary>Originator port; for ICMP the type (as Community ID does). Null when the protocol has no ports.</summary>
    public int? SrcPort { get; set; }
    public IpAddress16 DstIP { get; set; }
    /// <summary>Responder port; for ICMP the code. Null when the protocol has no ports.</summary>
    public int? DstPort { get; set; }
    /// <summary>Outermost VLAN id, or null.</summary>
    public int? Vlan { get; set; }
    public long SrcPackets { get; set; }
    public long DstPackets { get; set; }
    public long SrcBytes { get; set; }
    public long DstBytes { get; set; }
    public long SrcIpBytes { get; set; }
    public long DstIpBytes { get; set; }
    public long SrcPayloadBytes { get; set; }
    public long DstPayloadBytes { get; set; }
    public ushort TcpFlagsSrc { get; set; }
    public ushort TcpFlagsDst { get; set; }
    /// <summary>Zeek conn_state (S0, S1, SF, REJ, S2, S3, RSTO, RSTR, RSTOS0, RSTRH, SH, SHR, OTH).</summary>
    public required string ConnState { get; set; }
    public EndReason EndReason { get; set; }
    /// <summary>Capture files (paths under the input root) holding the flow's packets, in capture order.</summary>
    public required IReadOnlyList<string> Files { get; set; }

    public string Protocol => ProtocolNames.Of(IpProto);
    public double DurationSeconds => (LastSeenNanos - FirstSeenNanos) / 1e9;
}
