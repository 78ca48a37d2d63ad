using System.Runtime.CompilerServices;
using PcapStream.Decoding;

namespace PcapStream.Flows;

/// <summary>
/// What the flow engine needs of one packet (28 bytes): also the record of a file's head-run log that the
/// stitcher replays. Direction is relative to the canonical key (0 = A to B).
/// </summary>
internal struct FlowPacket
{
    /// <summary>Packet time, ns since the Unix epoch.</summary>
    public long Time;
    /// <summary>Frame length on the wire (encapsulation included).</summary>
    public int WireLength;
    /// <summary>Innermost IP packet length as its header states.</summary>
    public int IpLength;
    /// <summary>Transport payload bytes as the headers state.</summary>
    public int PayloadLength;
    /// <summary>TCP sequence number (used for the ISN of a SYN).</summary>
    public uint Seq;
    /// <summary>TCP flags, 0 without TCP.</summary>
    public ushort TcpFlags;
    /// <summary>0 = A to B, 1 = B to A.</summary>
    public byte Dir;
    /// <summary>True when a TCP header was read.</summary>
    public bool HasTcp;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static FlowPacket From(in DecodedPacket p, long timestampNanos, int dir) => new()
    {
        Time = timestampNanos,
        WireLength = p.WireLength,
        IpLength = p.IpLength,
        PayloadLength = p.PayloadLength,
        Seq = p.TcpSeq,
        TcpFlags = p.HasTcp ? p.TcpFlags : (ushort)0,
        Dir = (byte)dir,
        HasTcp = p.HasTcp,
    };
}

/// <summary>TCP flag bits as in the 12-bit flags field.</summary>
internal static class TcpBits
{
    public const ushort Fin = 0x01;
    public const ushort Syn = 0x02;
    public const ushort Rst = 0x04;
    public const ushort Ack = 0x10;
}
