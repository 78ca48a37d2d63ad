using System.Text;

namespace PcapStream.Output;

/// <summary>
/// Writes records as TSV, CSV or JSON Lines (see <see cref="RecordFormat"/>) to a stream through one reused
/// buffer: fields are formatted straight into it as UTF-8, and the stream sees large writes only. Nothing is
/// allocated per record. Not thread-safe; call <see cref="Flush"/> (or dispose) at the end.
/// </summary>
/// <typeparam name="TRow">Row type (a ref struct for packets).</typeparam>
/// <typeparam name="TColumns">The column set that formats the fields.</typeparam>
public sealed partial class RecordWriter<TRow, TColumns> : IDisposable
    where TRow : allows ref struct
    where TColumns : IColumnSet<TRow>
{
    /// <summary>In a <see cref="ColumnType.StringList"/> text form, items are separated by this byte (NUL cannot occur in paths).</summary>
    public const byte ListSeparator = 0;

    // Room kept free for one non-string field: an IPv6 address or a timestamp is under 64 bytes.
    private const int FieldReserve = 128;

    private readonly Stream _output;
    private readonly RecordFormat _format;
    private readonly bool _ownsStream;
    private readonly IReadOnlyList<ColumnDefinition> _columns;
    private readonly ColumnType[] _types;
    private readonly byte[][] _jsonKeys;
    private byte[] _buffer;
    private int _position;
    private byte[] _scratch = new byte[1024];

    /// <param name="output">Destination (e.g. stdout); written in chunks of <paramref name="bufferSize"/> bytes.</param>
    /// <param name="format">TSV, CSV or JSON Lines.</param>
    /// <param name="bufferSize">Output buffer in bytes (1 MiB by default).</param>
    /// <param name="ownsStream">Dispose <paramref name="output"/> with the writer.</param>
    public RecordWriter(Stream output, RecordFormat format, int bufferSize = 1 << 20, bool ownsStream = false)
    {
        _output = output;
        _format = format;
        _ownsStream = ownsStream;
        _buffer = new byte[Math.Max(bufferSize, 4 * FieldReserve)];
        _columns = TColumns.Columns;
        _types = new ColumnType[_columns.Count];
        _jsonKeys = new byte[_columns.Count][];
        for (int i = 0; i < _columns.Count; i++)
        {
            _types[i] = _columns[i].Type;
            // ,"name": — the leading comma is skipped for the first field written.
            _jsonKeys[i] = Encoding.UTF8.GetBytes($",\"{_columns[i].Name}\":");
        }
    }

    /// <summary>Records written so far.</summary>
    public long RecordCount { get; private set; }

    /// <summary>Writes the header row of column names (TSV and CSV; nothing for JSON).</summary>
    public void WriteHeader()
    {
        if (_format == RecordFormat.Json)
        {
            return;
        }
        for (int i = 0; i < _columns.Count; i++)
        {
            if (i > 0)
            {
                Put(_format == RecordFormat.Tsv ? (byte)'\t' : (byte)',');
            }
            WriteEscaped(Encoding.UTF8.GetBytes(_columns[i].Name));
        }
        EndLine();
    }

    /// <summary>Writes one record.</summary>
    public void Write(scoped in TRow row)
    {
        bool json = _format == RecordFormat.Json;
        byte separator = _format == RecordFormat.Tsv ? (byte)'\t' : (byte)',';
        bool first = true;
        if (json)
        {
            Put((byte)'{');
        }
        for (int i = 0; i < _types.Length; i++)
        {
            ColumnType type = _types[i];
            bool text = type is ColumnType.String or ColumnType.StringList;
            if (!json && i > 0)
            {
                Put(separator);
            }
            if (text)
            {
                // Strings go through the scratch buffer, to be escaped for the format.
                FieldStatus status;
                int written;
                while ((status = TColumns.FormatUtf8(i, in row, _scratch, out written)) == FieldStatus.DestinationTooSmall)
                {
                    _scratch = new byte[_scratch.Length * 2];
                }
                if (status == FieldStatus.Null)
                {
                    continue;
                }
                ReadOnlySpan<byte> value = _scratch.AsSpan(0, written);
                if (json)
                {
                    PutKey(i, ref first);
                    if (type == ColumnType.StringList)
                    {
                        WriteJsonList(value);
                    }
                    else
                    {
                        WriteJsonString(value);
                    }
                }
                else
                {
                    WriteEscaped(value);
                }
                continue;
            }

            Ensure(FieldReserve + _jsonKeys[i].Length + 2);
            int start = _position;
            bool wasFirst = first;
            if (json)
            {
                PutKey(i, ref first);
                if (type == ColumnType.Timestamp)
                {
                    _buffer[_position++] = (byte)'"';
                }
            }
            FieldStatus s = TColumns.FormatUtf8(i, in row, _buffer.AsSpan(_position, FieldReserve), out int n);
            if (s != FieldStatus.Value)
            {
                // Null: TSV/CSV leave the field empty; JSON takes back the key it wrote.
                _position = start;
                first = wasFirst;
                continue;
            }
            _position += n;
            if (json && type == ColumnType.Timestamp)
            {
                _buffer[_position++] = (byte)'"';
            }
        }
        if (json)
        {
            Put((byte)'}');
        }
        EndLine();
        RecordCount++;
    }

    /// <summary>Writes the buffered bytes to the stream and flushes it.</summary>
    public void Flush()
    {
        FlushBuffer();
        _output.Flush();
    }

    public void Dispose()
    {
        Flush();
        if (_ownsStream)
        {
            _output.Dispose();
        }
    }

    private void PutKey(int ordinal, ref bool first)
    {
        ReadOnlySpan<byte> key = _jsonKeys[ordinal];
        if (first)
        {
            key = key[1..];
            first = false;
        }
        Ensure(key.Length);
        key.CopyTo(_buffer.AsSpan(_position));
        _position += key.Length;
    }

    private void EndLine()
    {
        Ensure(2);
        if (_format == RecordFormat.Csv)
        {
            _buffer[_position++] = (byte)'\r';
        }
        _buffer[_position++] = (byte)'\n';
    }

    private void Put(byte b)
    {
        if (_position == _buffer.Length)
        {
            FlushBuffer();
        }
        _buffer[_position++] = b;
    }

    /// <summary>Makes room for <paramref name="count"/> more bytes, flushing (and if need be growing) the buffer.</summary>
    private void Ensure(int count)
    {
        if (_buffer.Length - _position >= count)
        {
            return;
        }
        FlushBuffer();
        if (_buffer.Length < count)
        {
            _buffer = new byte[count];
        }
    }

    private void FlushBuffer()
    {
        if (_position > 0)
        {
            _output.Write(_buffer, 0, _position);
            _position = 0;
        }
    }
}
