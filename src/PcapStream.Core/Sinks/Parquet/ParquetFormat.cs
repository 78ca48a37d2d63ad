namespace PcapStream.Sinks.Parquet;

/// <summary>Parquet physical types (parquet.thrift <c>Type</c>).</summary>
internal enum PhysicalType
{
    Boolean = 0,
    Int32 = 1,
    Int64 = 2,
    Double = 5,
    ByteArray = 6,
}

/// <summary>Parquet value encodings (parquet.thrift <c>Encoding</c>) that this writer uses.</summary>
internal enum ValueEncoding
{
    Plain = 0,
    Rle = 3,
    DeltaBinaryPacked = 5,
    RleDictionary = 8,
}

/// <summary>Parquet compression codecs (parquet.thrift <c>CompressionCodec</c>).</summary>
internal enum Codec
{
    Uncompressed = 0,
    Snappy = 1,
    Zstd = 6,
}

/// <summary>Parquet page types (parquet.thrift <c>PageType</c>).</summary>
internal enum PageType
{
    DataPage = 0,
    DictionaryPage = 2,
}
