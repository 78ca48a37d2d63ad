using PcapStream.Decoding;
using PcapStream.Readers;

namespace PcapStream.Output;

/// <summary>
/// One <c>packets</c> record as the columns read it: the reader's metadata, the decoded headers (by reference,
/// not copied), the capture stream and file names, and the Community ID text. Build it per packet with
/// <see cref="From"/>; it lives on the stack and allocates nothing.
/// </summary>
public readonly ref struct PacketRow
{
    /// <summary>The decoded headers (the reused instance the decoder filled).</summary>
    public readonly ref readonly DecodedPacket Packet;

    /// <summary>Packet time, ns since the Unix epoch (UTC); meaningless when <see cref="HasTimestamp"/> is false.</summary>
    public long TimestampNanos { get; init; }

    /// <summary>False for records without a time (pcapng Simple Packet Block): the timestamp columns are null.</summary>
    public bool HasTimestamp { get; init; }

    /// <summary>Byte offset of the packet's record in the (decompressed) file.</summary>
    public long FileOffset { get; init; }

    /// <summary>1-based number of the packet within its file.</summary>
    public long FrameNumber { get; init; }

    /// <summary>Capture stream name (<c>sensor</c> column).</summary>
    public string Sensor { get; init; }

    /// <summary>The capture file as given / under the input root (<c>file</c> column).</summary>
    public string File { get; init; }

    /// <summary>Community ID text as ASCII ("1:..."), or empty when the packet has none (no IP header).</summary>
    public ReadOnlySpan<byte> CommunityId { get; init; }

    /// <summary>Creates a row over <paramref name="packet"/>; see the properties for the other values.</summary>
    public PacketRow(ref readonly DecodedPacket packet)
    {
        Packet = ref packet;
        Sensor = "";
        File = "";
    }

    /// <summary>
    /// The row of a record read by a <see cref="CaptureReader"/> and decoded into <paramref name="packet"/>.
    /// When <paramref name="communityIdBuffer"/> is at least <see cref="Decoding.CommunityId.MaxTextLength"/>
    /// bytes the Community ID (seed 0, base64) is computed into it; pass an empty span to leave the column null.
    /// </summary>
    public static PacketRow From(in CaptureRecord record, ref readonly DecodedPacket packet, string sensor, string file,
        Span<byte> communityIdBuffer)
    {
        int n = communityIdBuffer.Length >= Decoding.CommunityId.MaxTextLength
            ? Decoding.CommunityId.TryFormatUtf8(in packet, communityIdBuffer)
            : -1;
        return new PacketRow(in packet)
        {
            TimestampNanos = record.TimestampNanos,
            HasTimestamp = record.HasTimestamp,
            FileOffset = record.FileOffset,
            FrameNumber = record.FrameNumber,
            Sensor = sensor,
            File = file,
            CommunityId = n > 0 ? communityIdBuffer[..n] : default,
        };
    }
}
