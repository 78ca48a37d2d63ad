using PcapStream.Output;

namespace PcapStream.Sinks.Parquet;

/// <summary>
/// The Parquet schema of a column list (<see cref="PacketColumns"/>, <see cref="FlowColumns"/>), the same types
/// Parquet.Net wrote before this writer: integers with INT(32|64, signed) and the INT_32/INT_64 converted types,
/// strings BYTE_ARRAY + STRING/UTF8, timestamps INT64 TIMESTAMP(MICROS, isAdjustedToUTC=false) without a
/// converted type (TIMESTAMP_MICROS would claim UTC adjustment and turn them into TIMESTAMPTZ in DuckDB), a
/// string list as the standard 3-level LIST (<c>files</c> / repeated <c>list</c> / required <c>element</c>).
/// Nullable columns are OPTIONAL, the others REQUIRED.
/// </summary>
internal static class SchemaWriter
{
    private const int Required = 0, Optional = 1, Repeated = 2;
    private const int ConvertedUtf8 = 0, ConvertedList = 3, ConvertedInt32 = 17, ConvertedInt64 = 18;

    /// <summary>Physical type of a column's leaf.</summary>
    public static PhysicalType PhysicalOf(ColumnType type) => type switch
    {
        ColumnType.Timestamp or ColumnType.Int64 => PhysicalType.Int64,
        ColumnType.Int32 => PhysicalType.Int32,
        ColumnType.Boolean => PhysicalType.Boolean,
        ColumnType.Double => PhysicalType.Double,
        ColumnType.String or ColumnType.StringList => PhysicalType.ByteArray,
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, "unknown column type"),
    };

    /// <summary>Path of a column's leaf in the schema.</summary>
    public static string[] PathOf(ColumnDefinition c) => c.Type == ColumnType.StringList ? [c.Name, "list", "element"] : [c.Name];

    /// <summary>Writes the schema list (field 2 of FileMetaData).</summary>
    public static void Write(ThriftCompactWriter w, IReadOnlyList<ColumnDefinition> columns)
    {
        int elements = 1;
        foreach (ColumnDefinition c in columns)
        {
            elements += c.Type == ColumnType.StringList ? 3 : 1;
        }
        w.ListField(2, ThriftCompactWriter.Struct, elements);
        w.BeginStructValue();
        w.StringField(4, "root");
        w.I32Field(5, columns.Count);
        w.EndStruct();
        foreach (ColumnDefinition c in columns)
        {
            int repetition = c.Nullable ? Optional : Required;
            w.BeginStructValue();
            switch (c.Type)
            {
                case ColumnType.Timestamp:
                    w.I32Field(1, (int)PhysicalType.Int64);
                    w.I32Field(3, repetition);
                    w.StringField(4, c.Name);
                    w.BeginStructField(10);
                    w.BeginStructField(8); // TimestampType
                    w.BoolField(1, false);  // isAdjustedToUTC: a plain TIMESTAMP for every engine; the values are UTC
                    w.BeginStructField(2);  // TimeUnit
                    w.EmptyStructField(2);  // MICROS
                    w.EndStruct();
                    w.EndStruct();
                    w.EndStruct();
                    break;
                case ColumnType.Int64:
                case ColumnType.Int32:
                    bool wide = c.Type == ColumnType.Int64;
                    w.I32Field(1, (int)(wide ? PhysicalType.Int64 : PhysicalType.Int32));
                    w.I32Field(3, repetition);
                    w.StringField(4, c.Name);
                    w.I32Field(6, wide ? ConvertedInt64 : ConvertedInt32);
                    w.BeginStructField(10);
                    w.BeginStructField(10); // IntType
                    w.ByteField(1, (sbyte)(wide ? 64 : 32));
                    w.BoolField(2, true);
                    w.EndStruct();
                    w.EndStruct();
                    break;
                case ColumnType.Boolean:
                case ColumnType.Double:
                    w.I32Field(1, (int)PhysicalOf(c.Type));
                    w.I32Field(3, repetition);
                    w.StringField(4, c.Name);
                    break;
                case ColumnType.String:
                    StringElement(w, c.Name, repetition);
                    break;
                case ColumnType.StringList:
                    w.I32Field(3, repetition);
                    w.StringField(4, c.Name);
                    w.I32Field(5, 1);
                    w.I32Field(6, ConvertedList);
                    w.BeginStructField(10);
                    w.EmptyStructField(3); // ListType
                    w.EndStruct();
                    w.EndStruct();
                    w.BeginStructValue();
                    w.I32Field(3, Repeated);
                    w.StringField(4, "list");
                    w.I32Field(5, 1);
                    w.EndStruct();
                    w.BeginStructValue();
                    StringElement(w, "element", Required);
                    break;
                default:
                    throw new ArgumentOutOfRangeException(nameof(columns), c.Type, "unknown column type");
            }
            w.EndStruct();
        }
    }

    private static void StringElement(ThriftCompactWriter w, string name, int repetition)
    {
        w.I32Field(1, (int)PhysicalType.ByteArray);
        w.I32Field(3, repetition);
        w.StringField(4, name);
        w.I32Field(6, ConvertedUtf8);
        w.BeginStructField(10);
        w.EmptyStructField(1); // StringType
        w.EndStruct();
    }
}
