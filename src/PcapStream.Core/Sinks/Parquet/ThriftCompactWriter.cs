using System.Text;

namespace PcapStream.Sinks.Parquet;

/// <summary>
/// Writes Thrift compact protocol (the encoding of every Parquet page header and of the footer) into a
/// <see cref="ByteSink"/>. Only what Parquet's metadata uses: i16/i32/i64 (zigzag varints), bool (in the field
/// header), binary/string, lists, nested structs. Field ids are written as deltas from the previous field of the
/// same struct, which is why fields must be written in increasing id order.
/// </summary>
internal sealed class ThriftCompactWriter(ByteSink sink)
{
    /// <summary>Compact-protocol type codes.</summary>
    public const byte BoolTrue = 1, BoolFalse = 2, Byte = 3, I16 = 4, I32 = 5, I64 = 6, Double = 7, Binary = 8, List = 9, Struct = 12;

    private readonly Stack<short> _lastFieldIds = new();
    private short _lastFieldId;

    /// <summary>Where the bytes go.</summary>
    public ByteSink Sink { get; } = sink;

    /// <summary>Starts over at the top level (a new header).</summary>
    public void Reset()
    {
        _lastFieldIds.Clear();
        _lastFieldId = 0;
    }

    private void FieldHeader(short id, byte type)
    {
        int delta = id - _lastFieldId;
        if (delta is > 0 and <= 15)
        {
            Sink.WriteByte((byte)((delta << 4) | type));
        }
        else
        {
            Sink.WriteByte(type);
            Sink.WriteVarint(ZigZag(id));
        }
        _lastFieldId = id;
    }

    private static ulong ZigZag(long v) => (ulong)((v << 1) ^ (v >> 63));

    /// <summary>An i32 field.</summary>
    public void I32Field(short id, int value)
    {
        FieldHeader(id, I32);
        Sink.WriteVarint(ZigZag(value));
    }

    /// <summary>An i64 field.</summary>
    public void I64Field(short id, long value)
    {
        FieldHeader(id, I64);
        Sink.WriteVarint(ZigZag(value));
    }

    /// <summary>An i16 field.</summary>
    public void I16Field(short id, short value)
    {
        FieldHeader(id, I16);
        Sink.WriteVarint(ZigZag(value));
    }

    /// <summary>A byte (i8) field.</summary>
    public void ByteField(short id, sbyte value)
    {
        FieldHeader(id, Byte);
        Sink.WriteByte((byte)value);
    }

    /// <summary>A bool field (the value is the field header's type).</summary>
    public void BoolField(short id, bool value) => FieldHeader(id, value ? BoolTrue : BoolFalse);

    /// <summary>A binary field.</summary>
    public void BinaryField(short id, ReadOnlySpan<byte> value)
    {
        FieldHeader(id, Binary);
        BinaryValue(value);
    }

    /// <summary>A string field (UTF-8).</summary>
    public void StringField(short id, string value)
    {
        FieldHeader(id, Binary);
        StringValue(value);
    }

    /// <summary>A binary list element or value.</summary>
    public void BinaryValue(ReadOnlySpan<byte> value)
    {
        Sink.WriteVarint((ulong)value.Length);
        Sink.Write(value);
    }

    /// <summary>A string list element or value.</summary>
    public void StringValue(string value)
    {
        int n = Encoding.UTF8.GetByteCount(value);
        Sink.WriteVarint((ulong)n);
        Sink.Advance(Encoding.UTF8.GetBytes(value, Sink.GetSpan(n)));
    }

    /// <summary>An i32 list element.</summary>
    public void I32Value(int value) => Sink.WriteVarint(ZigZag(value));

    /// <summary>A list field's header; the <paramref name="count"/> elements follow (structs through <see cref="BeginStructValue"/>).</summary>
    public void ListField(short id, byte elementType, int count)
    {
        FieldHeader(id, List);
        if (count < 15)
        {
            Sink.WriteByte((byte)((count << 4) | elementType));
        }
        else
        {
            Sink.WriteByte((byte)(0xF0 | elementType));
            Sink.WriteVarint((ulong)count);
        }
    }

    /// <summary>Starts a struct field; end it with <see cref="EndStruct"/>.</summary>
    public void BeginStructField(short id)
    {
        FieldHeader(id, Struct);
        BeginStructValue();
    }

    /// <summary>Starts a struct that is a list element; end it with <see cref="EndStruct"/>.</summary>
    public void BeginStructValue()
    {
        _lastFieldIds.Push(_lastFieldId);
        _lastFieldId = 0;
    }

    /// <summary>An empty struct field (Parquet's marker types: StringType, ListType, MicroSeconds).</summary>
    public void EmptyStructField(short id)
    {
        BeginStructField(id);
        EndStruct();
    }

    /// <summary>Ends the current struct (stop byte).</summary>
    public void EndStruct()
    {
        Sink.WriteByte(0);
        _lastFieldId = _lastFieldIds.Pop();
    }

    /// <summary>Ends the top-level struct.</summary>
    public void EndTopLevel() => Sink.WriteByte(0);
}
