using Snappier;
using ZstdSharp;

namespace PcapStream.Sinks.Parquet;

/// <summary>
/// Compresses page payloads into a reused buffer: snappy (Snappier, managed) or zstd at level 1 (ZstdSharp,
/// managed; the fastest regular level — the job must keep up with the capture). One per file writer, one thread.
/// </summary>
internal sealed class PageCompressor : IDisposable
{
    private readonly Compressor? _zstd;
    private byte[] _output = new byte[1 << 16];

    public PageCompressor(Codec codec)
    {
        Codec = codec;
        if (codec == Codec.Zstd)
        {
            _zstd = new Compressor(1);
        }
    }

    /// <summary>The codec written in the column metadata.</summary>
    public Codec Codec { get; }

    /// <summary>The compressed form of <paramref name="input"/>, valid until the next call (the input itself when uncompressed).</summary>
    public ReadOnlySpan<byte> Compress(ReadOnlySpan<byte> input)
    {
        switch (Codec)
        {
            case Codec.Snappy:
                Ensure(Snappy.GetMaxCompressedLength(input.Length));
                return _output.AsSpan(0, Snappy.Compress(input, _output));
            case Codec.Zstd:
                Ensure(Compressor.GetCompressBound(input.Length));
                return _output.AsSpan(0, _zstd!.Wrap(input, _output));
            default:
                return input;
        }
    }

    private void Ensure(int size)
    {
        if (_output.Length < size)
        {
            _output = new byte[Math.Max(size, _output.Length * 2)];
        }
    }

    public void Dispose() => _zstd?.Dispose();
}
