namespace PcapStream.Readers;

/// <summary>A zero-length file: a capture with no packets (what a rotation leaves before the first write).</summary>
internal sealed class EmptyCaptureReader(string path, bool compressed) : CaptureReader
{
    public override string Path => path;

    public override CaptureFormat Format => CaptureFormat.Pcap;

    public override bool IsCompressed => compressed;

    public override CaptureEnd End => CaptureEnd.Complete;

    public override long IncompleteOffset => 0;

    public override long RecordsRead => 0;

    public override long BytesConsumed => 0;

    public override bool TryRead(out CaptureRecord record)
    {
        record = default;
        return false;
    }

    public override CaptureResumePoint GetResumePoint() => new(CaptureFormat.Pcap, 0, 0, 0, false, []);
}
