using DuckDB.NET.Data;
using Parquet;
using Parquet.Schema;
using PcapStream.Output;
using PcapStream.Sinks.Parquet;
using PcapStream.Tests.Streaming;

namespace PcapStream.Tests.Sinks;

/// <summary>
/// DELTA_BINARY_PACKED integers at their extremes (deltas that wrap around the physical type, full 64- and 32-bit
/// widths, runs of equal values, partial blocks and miniblocks, nulls between values), read back exactly by DuckDB
/// and Parquet.Net; and the per-chunk codec choice: a chunk that does not compress is stored uncompressed, one
/// that does is compressed, and both read back.
/// </summary>
public class DeltaEncodingTests
{
    private static readonly ColumnDefinition[] Columns =
    [
        new("big", ColumnType.Int64, true, ""),
        new("small", ColumnType.Int32, false, ""),
        new("steady", ColumnType.Int64, false, ""),
    ];

    private static (long?[] Big, int[] Small, long[] Steady) MakeValues(int count)
    {
        var rng = new Random(7);
        long[] extremes = [long.MinValue, long.MaxValue, 0, -1, 1, long.MinValue + 1, long.MaxValue - 1];
        int[] smallExtremes = [int.MinValue, int.MaxValue, 0, -1, 1];
        var big = new long?[count];
        var small = new int[count];
        var steady = new long[count];
        for (int i = 0; i < count; i++)
        {
            // Stretches: extremes alternating (wrap-around deltas), random 64-bit, a constant run, nulls.
            big[i] = (i / 150 % 4) switch
            {
                0 => extremes[i % extremes.Length],
                1 => rng.NextInt64(long.MinValue, long.MaxValue),
                2 => 42,
                _ => i % 3 == 0 ? null : rng.NextInt64(-1000, 1000),
            };
            small[i] = i % 5 == 0 ? smallExtremes[i / 5 % smallExtremes.Length] : rng.Next(int.MinValue, int.MaxValue);
            steady[i] = 1_700_000_000_000_000_000L + i * 1000L;
        }
        return (big, small, steady);
    }

    [Fact]
    public void Miniblock_packing_matches_plain_bit_order_at_every_width()
    {
        var rng = new Random(11);
        var values = new ulong[32];
        var packed = new byte[4 * 64 + 8];
        for (int width = 1; width <= 64; width++)
        {
            ulong mask = width == 64 ? ulong.MaxValue : (1UL << width) - 1;
            for (int k = 0; k < values.Length; k++)
            {
                values[k] = ((ulong)rng.NextInt64() ^ ((ulong)rng.NextInt64() << 1)) & mask; // all 64 bits random, then cut
            }
            Array.Clear(packed);
            DeltaBinaryPackedEncoder.Pack(values, width, packed);
            // Value k's bit b is bit k * width + b of the output, least significant bit first.
            for (int k = 0; k < values.Length; k++)
            {
                for (int b = 0; b < width; b++)
                {
                    int at = k * width + b;
                    Assert.Equal((values[k] >> b) & 1, (ulong)((packed[at >> 3] >> (at & 7)) & 1));
                }
            }
        }
    }

    [Fact]
    public void Compaction_by_shared_levels_keeps_the_present_values_in_order()
    {
        var rng = new Random(5);
        foreach (int rows in (int[])[0, 1, 3, 4, 5, 17, 1000, 1003])
        {
            foreach (double present in (double[])[0, 0.3, 0.9, 1])
            {
                var levels = new byte[rows];
                for (int i = 0; i < rows; i++)
                {
                    levels[i] = rng.NextDouble() < present ? (byte)1 : (byte)0;
                }
                CheckCompaction<long>(levels, i => i * 1_000_000_007L - 5);
                CheckCompaction<int>(levels, i => i * 7919 - 3);
                CheckCompaction<byte>(levels, i => (byte)(i * 31));
            }
        }
    }

    private static void CheckCompaction<T>(byte[] levels, Func<int, T> value)
        where T : unmanaged, System.Numerics.INumber<T>, System.Numerics.IMinMaxValue<T>
    {
        ColumnType type = typeof(T) == typeof(long) ? ColumnType.Int64 : typeof(T) == typeof(int) ? ColumnType.Int32 : ColumnType.Boolean;
        var column = new NumericColumn<T>(new ColumnDefinition("c", type, true, ""), levels.Length);
        column.ShareLevels(levels);
        var expected = new List<T>();
        for (int i = 0; i < levels.Length; i++)
        {
            column.RowValues[i] = value(i);
            if (levels[i] == 1)
            {
                expected.Add(value(i));
            }
        }
        column.SealLevels(levels.Length);
        Assert.Equal(levels.Length, column.Rows);
        Assert.Equal(expected, column.RowValues.AsSpan(0, expected.Count).ToArray());
    }

    [Theory]
    [InlineData(1000, 400, 1 << 20)] // several row groups, one page each, a partial last block
    [InlineData(1537, 1537, 600)] // one row group of many small pages (page boundaries inside blocks)
    public async Task Extreme_integers_read_back_exactly_through_DuckDB_and_Parquet_Net(int count, int rowGroupRows, int pageBytes)
    {
        using var dirs = new TestDirs("pq-delta");
        string path = Path.Combine(dirs.Root, "d.parquet");
        (long?[] big, int[] small, long[] steady) = MakeValues(count);
        Write(path, big, small, steady, rowGroupRows, pageBytes, Codec.Snappy);

        using (var db = new DuckDBConnection("DataSource=:memory:"))
        {
            db.Open();
            using DuckDBCommand cmd = db.CreateCommand();
            cmd.CommandText = $"SELECT big, small, steady FROM read_parquet('{path}')";
            using DuckDBDataReader r = cmd.ExecuteReader();
            int i = 0;
            while (r.Read())
            {
                Assert.Equal(big[i], r.IsDBNull(0) ? null : r.GetInt64(0));
                Assert.Equal(small[i], r.GetInt32(1));
                Assert.Equal(steady[i], r.GetInt64(2));
                i++;
            }
            Assert.Equal(count, i);
        }

        CancellationToken cancel = TestContext.Current.CancellationToken;
        await using (ParquetReader reader = await ParquetReader.CreateAsync(path, cancellationToken: cancel))
        {
            DataField[] fields = reader.Schema.GetDataFields();
            int offset = 0;
            for (int g = 0; g < reader.RowGroupCount; g++)
            {
                using ParquetRowGroupReader rg = reader.OpenRowGroupReader(g);
                int n = (int)rg.RowCount;
                var b = new long?[n];
                var s = new int[n];
                var t = new long[n];
                await rg.ReadAsync<long>(fields[0], b.AsMemory(), null, cancel);
                await rg.ReadAsync<int>(fields[1], s.AsMemory(), null, cancel);
                await rg.ReadAsync<long>(fields[2], t.AsMemory(), null, cancel);
                Assert.Equal(big.AsSpan(offset, n).ToArray(), b);
                Assert.Equal(small.AsSpan(offset, n).ToArray(), s);
                Assert.Equal(steady.AsSpan(offset, n).ToArray(), t);
                offset += n;
            }
            Assert.Equal(count, offset);
        }
        Assert.Equal(3, DatasetComparer.Scalar($"SELECT count(DISTINCT path_in_schema) FROM parquet_metadata('{path}') WHERE encodings LIKE '%DELTA_BINARY_PACKED%'"));
    }

    [Fact]
    public void A_chunk_that_does_not_compress_is_stored_uncompressed_and_one_that_does_is_compressed()
    {
        using var dirs = new TestDirs("pq-codec");
        string path = Path.Combine(dirs.Root, "c.parquet");
        (long?[] big, int[] small, long[] steady) = MakeValues(20_000);
        Write(path, big, small, steady, rowGroupRows: 20_000, pageBytes: 1 << 20, Codec.Snappy);

        // Random 32-bit values bit-pack to 32 bits per delta: snappy cannot shrink them. The steady column's deltas
        // are all equal: a few bytes per block, and the repeated block headers compress.
        Assert.Equal("UNCOMPRESSED", DatasetComparer.Text($"SELECT compression FROM parquet_metadata('{path}') WHERE path_in_schema = 'small'"));
        Assert.Equal("SNAPPY", DatasetComparer.Text($"SELECT compression FROM parquet_metadata('{path}') WHERE path_in_schema = 'steady'"));
        Assert.Equal(steady.Sum(x => x - steady[0]), DatasetComparer.Scalar($"SELECT sum(steady - {steady[0]})::BIGINT FROM read_parquet('{path}')"));
        Assert.Equal(small.Select(x => (long)x).Sum(), DatasetComparer.Scalar($"SELECT sum(small)::BIGINT FROM read_parquet('{path}')"));
    }

    [Fact]
    public void Every_miniblock_bit_width_reads_back_exactly_through_DuckDB()
    {
        // Stretches of 129 rows (one full block each) whose deltas span exactly w bits, for every w of each physical
        // type: the vectorised full-block path and the word-at-a-time bit packer at every alignment (odd widths above
        // 32 end a miniblock in the middle of a word), plus one partial block at the end.
        using var dirs = new TestDirs("pq-widths");
        string path = Path.Combine(dirs.Root, "w.parquet");
        var rng = new Random(11);
        int count = 65 * 129 + 50;
        var big = new long?[count];
        var small = new int[count];
        var steady = new long[count];
        long b = 0;
        int s = 0;
        for (int i = 0; i < count; i++)
        {
            int w = i / 129 % 65;
            ulong top = w == 0 ? 0 : ulong.MaxValue >> (64 - w);
            b = unchecked(b + (long)(((ulong)rng.NextInt64() << 1 ^ (ulong)rng.NextInt64()) & top));
            s = unchecked(s + (int)(((ulong)rng.NextInt64() & top) & uint.MaxValue));
            big[i] = b;
            small[i] = s;
            steady[i] = i;
        }
        Write(path, big, small, steady, rowGroupRows: count, pageBytes: 1 << 20, Codec.Snappy);

        using var db = new DuckDBConnection("DataSource=:memory:");
        db.Open();
        using DuckDBCommand cmd = db.CreateCommand();
        cmd.CommandText = $"SELECT big, small FROM read_parquet('{path}')";
        using DuckDBDataReader r = cmd.ExecuteReader();
        int n = 0;
        while (r.Read())
        {
            Assert.Equal(big[n], r.GetInt64(0));
            Assert.Equal(small[n], r.GetInt32(1));
            n++;
        }
        Assert.Equal(count, n);
    }

    private static void Write(string path, long?[] big, int[] small, long[] steady, int rowGroupRows, int pageBytes, Codec codec)
    {
        var b = new NumericColumn<long>(Columns[0], rowGroupRows);
        var s = new NumericColumn<int>(Columns[1], rowGroupRows);
        var t = new NumericColumn<long>(Columns[2], rowGroupRows);
        using var stream = new FileStream(path, FileMode.Create);
        using var writer = new ParquetFileWriter(stream, Columns, codec, pageBytes);
        for (int start = 0; start < big.Length; start += rowGroupRows)
        {
            int n = Math.Min(rowGroupRows, big.Length - start);
            for (int i = start; i < start + n; i++)
            {
                b.Add(big[i].HasValue, big[i].GetValueOrDefault());
                s.Add(small[i]);
                t.Add(steady[i]);
            }
            writer.BeginRowGroup();
            foreach (ColumnBuffer c in (ColumnBuffer[])[b, s, t])
            {
                c.WriteChunk(writer);
                c.Reset();
            }
            writer.EndRowGroup(n);
        }
        writer.Complete();
    }
}
