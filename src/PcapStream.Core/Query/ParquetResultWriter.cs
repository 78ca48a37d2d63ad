using System.Data.Common;
using Parquet;
using Parquet.Schema;

namespace PcapStream.Query;

/// <summary>
/// Writes a query result as a Parquet file with Parquet.Net. DuckDB's own <c>COPY TO</c> is not used on purpose:
/// the session disables external access so that user SQL cannot write files (see <see cref="QuerySession"/>).
/// Every column is nullable; numbers, booleans, strings, timestamps, dates and blobs keep their type, anything
/// else (lists, structs, intervals) is written as its JSON/text form.
/// </summary>
public static class ParquetResultWriter
{
    private const int RowGroupRows = 128 * 1024;

    /// <summary>Writes up to <paramref name="limit"/> rows (negative: all); returns the number of rows written.</summary>
    public static long Write(DbDataReader reader, Stream output, long limit = -1)
    {
        ArgumentNullException.ThrowIfNull(reader);
        int columns = reader.FieldCount;
        var fields = new DataField[columns];
        var clr = new Type[columns];
        for (int i = 0; i < columns; i++)
        {
            clr[i] = StorageType(reader.GetFieldType(i));
            fields[i] = new DataField(reader.GetName(i), NullableType(clr[i]), isNullable: true);
        }
        var schema = new ParquetSchema(fields);
        var buffers = new List<object?>[columns];
        for (int i = 0; i < columns; i++)
        {
            buffers[i] = new List<object?>(RowGroupRows);
        }
        ParquetWriter writer = ParquetWriter.CreateAsync(schema, output).GetAwaiter().GetResult();
        long rows = 0;
        try
        {
            bool flushed = false;
            while ((limit < 0 || rows < limit) && reader.Read())
            {
                for (int i = 0; i < columns; i++)
                {
                    buffers[i].Add(reader.IsDBNull(i) ? null : Convert(reader.GetValue(i), clr[i]));
                }
                rows++;
                if (buffers[0].Count == RowGroupRows)
                {
                    Flush(writer, fields, clr, buffers);
                    flushed = true;
                }
            }
            // An empty result still gets one (empty) row group so that readers see the schema.
            if (columns > 0 && (buffers[0].Count > 0 || !flushed))
            {
                Flush(writer, fields, clr, buffers);
            }
        }
        finally
        {
            writer.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }
        return rows;
    }

    private static Type StorageType(Type t) =>
        t == typeof(bool) || t == typeof(sbyte) || t == typeof(byte) || t == typeof(short) || t == typeof(ushort)
        || t == typeof(int) || t == typeof(uint) || t == typeof(long) || t == typeof(ulong) || t == typeof(float)
        || t == typeof(double) || t == typeof(decimal) || t == typeof(string) || t == typeof(DateTime)
        || t == typeof(DateOnly) || t == typeof(byte[])
            ? t
            : typeof(string);

    // A closed mapping instead of typeof(Nullable<>).MakeGenericType: the Native AOT build has no code for
    // generic instantiations it did not see at compile time (IL3050).
    private static Type NullableType(Type t) =>
        t == typeof(bool) ? typeof(bool?)
        : t == typeof(sbyte) ? typeof(sbyte?)
        : t == typeof(byte) ? typeof(byte?)
        : t == typeof(short) ? typeof(short?)
        : t == typeof(ushort) ? typeof(ushort?)
        : t == typeof(int) ? typeof(int?)
        : t == typeof(uint) ? typeof(uint?)
        : t == typeof(long) ? typeof(long?)
        : t == typeof(ulong) ? typeof(ulong?)
        : t == typeof(float) ? typeof(float?)
        : t == typeof(double) ? typeof(double?)
        : t == typeof(decimal) ? typeof(decimal?)
        : t == typeof(DateTime) ? typeof(DateTime?)
        : t == typeof(DateOnly) ? typeof(DateOnly?)
        : t; // string, byte[]: reference types are nullable already

    private static object Convert(object value, Type storage) =>
        storage == typeof(string) && value is not string ? ResultWriters.FormatText(value)
        : storage == typeof(DateTime) && value is DateTime t ? DateTime.SpecifyKind(t, DateTimeKind.Utc)
        : value;

    private static void Flush(ParquetWriter writer, DataField[] fields, Type[] clr, List<object?>[] buffers)
    {
        using ParquetRowGroupWriter group = writer.CreateRowGroup();
        for (int i = 0; i < fields.Length; i++)
        {
            List<object?> values = buffers[i];
            Task written = clr[i] switch
            {
                Type t when t == typeof(string) => group.WriteAsync(fields[i], values.ConvertAll(v => (string)v!), null),
                Type t when t == typeof(byte[]) => group.WriteAsync(fields[i], values.ConvertAll(v => (byte[])v!), null),
                Type t when t == typeof(bool) => WriteStruct<bool>(group, fields[i], values),
                Type t when t == typeof(sbyte) => WriteStruct<sbyte>(group, fields[i], values),
                Type t when t == typeof(byte) => WriteStruct<byte>(group, fields[i], values),
                Type t when t == typeof(short) => WriteStruct<short>(group, fields[i], values),
                Type t when t == typeof(ushort) => WriteStruct<ushort>(group, fields[i], values),
                Type t when t == typeof(int) => WriteStruct<int>(group, fields[i], values),
                Type t when t == typeof(uint) => WriteStruct<uint>(group, fields[i], values),
                Type t when t == typeof(long) => WriteStruct<long>(group, fields[i], values),
                Type t when t == typeof(ulong) => WriteStruct<ulong>(group, fields[i], values),
                Type t when t == typeof(float) => WriteStruct<float>(group, fields[i], values),
                Type t when t == typeof(double) => WriteStruct<double>(group, fields[i], values),
                Type t when t == typeof(decimal) => WriteStruct<decimal>(group, fields[i], values),
                Type t when t == typeof(DateTime) => WriteStruct<DateTime>(group, fields[i], values),
                Type t when t == typeof(DateOnly) => WriteStruct<DateOnly>(group, fields[i], values),
                _ => throw new InvalidOperationException($"no Parquet mapping for {clr[i]}"),
            };
            written.GetAwaiter().GetResult();
            values.Clear();
        }
    }

    private static Task WriteStruct<T>(ParquetRowGroupWriter group, DataField field, List<object?> values)
        where T : struct
    {
        var data = new T?[values.Count];
        for (int r = 0; r < data.Length; r++)
        {
            data[r] = (T?)values[r];
        }
        return group.WriteAsync<T>(field, data.AsMemory(), null, null, CancellationToken.None);
    }
}
