namespace PcapStream.Decoding;

/// <summary>
/// Decodes one frame from its link layer down to the transport header, in place, allocating nothing.
/// Packet bytes never throw: whatever cannot be decoded is named in <see cref="DecodedPacket.Anomaly"/>
/// and the layers before it are kept.
/// </summary>
public static partial class PacketDecoder
{
    /// <summary>Decodes <paramref name="frame"/> (the captured bytes) of the given link type into <paramref name="packet"/>.</summary>
    /// <param name="frame">Captured bytes, starting at the link-layer header.</param>
    /// <param name="linkType">LINKTYPE_ value (FCS bits already masked).</param>
    /// <param name="wireLength">Original length on the wire.</param>
    /// <param name="packet">Reset and filled by the call.</param>
    public static void Decode(ReadOnlySpan<byte> frame, int linkType, int wireLength, ref DecodedPacket packet)
    {
        packet.Reset();
        packet.LinkType = linkType;
        packet.WireLength = wireLength;
        packet.CapturedLength = frame.Length;
        // Implemented in the layer files (Ethernet.cs, IPv4Header.cs, ...).
        throw new NotImplementedException();
    }
}
