using PcapStream.Output;

namespace PcapStream.Sinks.Parquet;

/// <summary>
/// One column's values for the row group being filled, and the encoder of its chunk. Buffers are preallocated
/// for a row group's capacity and reused across row groups and files: filling a row allocates nothing.
/// </summary>
internal abstract class ColumnBuffer(ColumnDefinition definition)
{
    /// <summary>The column this buffer fills (name, type, null rule).</summary>
    public ColumnDefinition Definition { get; } = definition;

    /// <summary>Rows added since the last <see cref="Reset"/>.</summary>
    public abstract int Rows { get; }

    /// <summary>Empties the buffer for the next row group.</summary>
    public abstract void Reset();

    /// <summary>Writes the buffered rows as the writer's next column chunk.</summary>
    public abstract void WriteChunk(ParquetFileWriter writer);

    /// <summary>Writes a page's definition levels (max level 1): 4-byte length, then the RLE/bit-packed hybrid.</summary>
    protected static void WriteLevels(ReadOnlySpan<byte> levels, int maxLevel, ByteSink page)
    {
        int at = page.ReserveInt32();
        RleHybridEncoder.Encode(levels, RleHybridEncoder.BitWidth(maxLevel), page);
        page.PatchInt32LittleEndian(at, page.Length - at - 4);
    }

    /// <summary>
    /// Starts the data page of rows [<paramref name="start"/>, <paramref name="end"/>): writes their definition
    /// levels (a required column, <paramref name="defs"/> null, has none) and returns how many hold a value.
    /// </summary>
    protected static int WritePageLevels(byte[]? defs, int start, int end, ByteSink page)
    {
        if (defs is null)
        {
            return end - start;
        }
        ReadOnlySpan<byte> levels = defs.AsSpan(start, end - start);
        WriteLevels(levels, 1, page);
        return levels.Count((byte)1);
    }

    /// <summary>
    /// <see cref="WritePageLevels(byte[], int, int, ByteSink)"/> into <paramref name="writer"/>'s page, through its
    /// row group's levels cache: columns that share one level array (<see cref="NumericColumn{T}.ShareLevels"/>)
    /// encode and count a page's levels once, the others copy the bytes.
    /// </summary>
    protected static int WritePageLevels(ParquetFileWriter writer, byte[]? defs, int start, int end)
    {
        if (defs is null)
        {
            return end - start;
        }
        ByteSink page = writer.Page;
        if (writer.TryCopyLevels(defs, start, end, out int values))
        {
            return values;
        }
        int at = page.Length;
        values = WritePageLevels(defs, start, end, page);
        writer.RememberLevels(defs, start, end, page.Written[at..], values);
        return values;
    }

    /// <summary>Rows per data page for values of <paramref name="bitsPerValue"/> bits (at least 16).</summary>
    protected static int RowsPerPage(ParquetFileWriter writer, int bitsPerValue) =>
        Math.Max(16, (int)Math.Min(int.MaxValue, writer.PageBytes * 8L / Math.Max(1, bitsPerValue)));
}
