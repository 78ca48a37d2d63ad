namespace PcapStream.Output;

public sealed partial class RecordWriter<TRow, TColumns>
{
    /// <summary>Writes a string field for TSV (backslash escapes) or CSV (RFC 4180 quoting); lists are joined with ','.</summary>
    private void WriteEscaped(ReadOnlySpan<byte> value)
    {
        // Worst case: every byte doubled, plus two quotes.
        Ensure((2 * value.Length) + 2);
        Span<byte> d = _buffer.AsSpan(_position);
        int n = 0;
        if (_format == RecordFormat.Tsv)
        {
            foreach (byte b in value)
            {
                byte escape = b switch
                {
                    (byte)'\\' => (byte)'\\',
                    (byte)'\t' => (byte)'t',
                    (byte)'\n' => (byte)'n',
                    (byte)'\r' => (byte)'r',
                    _ => 0,
                };
                if (b == ListSeparator)
                {
                    d[n++] = (byte)',';
                }
                else if (escape != 0)
                {
                    d[n++] = (byte)'\\';
                    d[n++] = escape;
                }
                else
                {
                    d[n++] = b;
                }
            }
        }
        else
        {
            bool quote = value.IndexOfAny("\",\r\n\0"u8) >= 0;
            if (quote)
            {
                d[n++] = (byte)'"';
            }
            foreach (byte b in value)
            {
                if (b == (byte)'"')
                {
                    d[n++] = (byte)'"';
                }
                d[n++] = b == ListSeparator ? (byte)',' : b;
            }
            if (quote)
            {
                d[n++] = (byte)'"';
            }
        }
        _position += n;
    }

    /// <summary>Writes a JSON string literal (RFC 8259 escapes; UTF-8 passes through).</summary>
    private void WriteJsonString(ReadOnlySpan<byte> value)
    {
        // Worst case: every byte a \u00XX escape.
        Ensure((6 * value.Length) + 2);
        Span<byte> d = _buffer.AsSpan(_position);
        int n = 0;
        d[n++] = (byte)'"';
        foreach (byte b in value)
        {
            switch (b)
            {
                case (byte)'"':
                case (byte)'\\':
                    d[n++] = (byte)'\\';
                    d[n++] = b;
                    break;
                case (byte)'\n':
                    d[n++] = (byte)'\\';
                    d[n++] = (byte)'n';
                    break;
                case (byte)'\r':
                    d[n++] = (byte)'\\';
                    d[n++] = (byte)'r';
                    break;
                case (byte)'\t':
                    d[n++] = (byte)'\\';
                    d[n++] = (byte)'t';
                    break;
                case < 0x20:
                    const string Hex = "0123456789abcdef";
                    d[n++] = (byte)'\\';
                    d[n++] = (byte)'u';
                    d[n++] = (byte)'0';
                    d[n++] = (byte)'0';
                    d[n++] = (byte)Hex[b >> 4];
                    d[n++] = (byte)Hex[b & 0xF];
                    break;
                default:
                    d[n++] = b;
                    break;
            }
        }
        d[n++] = (byte)'"';
        _position += n;
    }

    /// <summary>Writes a <see cref="ColumnType.StringList"/> value (items separated by <see cref="ListSeparator"/>) as a JSON array.</summary>
    private void WriteJsonList(ReadOnlySpan<byte> value)
    {
        Put((byte)'[');
        bool first = true;
        while (!value.IsEmpty || first)
        {
            int end = value.IndexOf(ListSeparator);
            ReadOnlySpan<byte> item = end < 0 ? value : value[..end];
            if (!first)
            {
                Put((byte)',');
            }
            if (!(first && end < 0 && item.IsEmpty))
            {
                WriteJsonString(item);
            }
            first = false;
            value = end < 0 ? default : value[(end + 1)..];
            if (end < 0)
            {
                break;
            }
        }
        Put((byte)']');
    }
}
