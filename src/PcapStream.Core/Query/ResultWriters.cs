using System.Collections;
using System.Data.Common;
using System.Globalization;
using System.Numerics;
using System.Text;
using System.Text.Json;

namespace PcapStream.Query;

/// <summary>
/// Writes query results as CSV (RFC 4180, header line) or JSON Lines (one object per row). Times are ISO 8601 UTC
/// with microseconds, lists become JSON arrays (CSV: the JSON text in one cell), blobs lower-case hex.
/// </summary>
public static class ResultWriters
{
    /// <summary>Writes up to <paramref name="limit"/> rows (negative: all) as CSV; returns the number of rows written.</summary>
    public static long WriteCsv(DbDataReader reader, TextWriter output, long limit = -1)
    {
        ArgumentNullException.ThrowIfNull(reader);
        ArgumentNullException.ThrowIfNull(output);
        int columns = reader.FieldCount;
        for (int i = 0; i < columns; i++)
        {
            if (i > 0)
            {
                output.Write(',');
            }
            WriteCsvCell(output, reader.GetName(i));
        }
        output.Write('\n');
        long rows = 0;
        while ((limit < 0 || rows < limit) && reader.Read())
        {
            for (int i = 0; i < columns; i++)
            {
                if (i > 0)
                {
                    output.Write(',');
                }
                if (!reader.IsDBNull(i))
                {
                    WriteCsvCell(output, FormatText(reader.GetValue(i)));
                }
            }
            output.Write('\n');
            rows++;
        }
        return rows;
    }

    /// <summary>Writes up to <paramref name="limit"/> rows (negative: all) as JSON Lines; returns the number of rows.</summary>
    /// <param name="reader">The result.</param>
    /// <param name="output">Where the lines go.</param>
    /// <param name="limit">Rows at most (negative: all).</param>
    /// <param name="jsonColumns">Columns holding JSON text, written as nested JSON (<see cref="QuerySession.JsonColumns"/>).</param>
    public static long WriteJsonLines(DbDataReader reader, Stream output, long limit = -1, IReadOnlySet<string>? jsonColumns = null)
    {
        ArgumentNullException.ThrowIfNull(reader);
        int columns = reader.FieldCount;
        string[] names = new string[columns];
        bool[] isJson = new bool[columns];
        for (int i = 0; i < columns; i++)
        {
            names[i] = reader.GetName(i);
            isJson[i] = jsonColumns?.Contains(names[i]) == true;
        }
        using var json = new Utf8JsonWriter(output, new JsonWriterOptions { SkipValidation = true });
        long rows = 0;
        while ((limit < 0 || rows < limit) && reader.Read())
        {
            json.WriteStartObject();
            for (int i = 0; i < columns; i++)
            {
                json.WritePropertyName(names[i]);
                if (isJson[i] && !reader.IsDBNull(i))
                {
                    json.WriteRawValue(reader.GetString(i), skipInputValidation: true);
                    continue;
                }
                WriteJsonValue(json, reader.IsDBNull(i) ? null : reader.GetValue(i));
            }
            json.WriteEndObject();
            json.Flush();
            output.WriteByte((byte)'\n');
            rows++;
        }
        return rows;
    }

    /// <summary>A value as a table/CSV cell: numbers and times invariant, lists as JSON.</summary>
    public static string FormatText(object? value) => value switch
    {
        null or DBNull => "",
        string s => s,
        bool b => b ? "true" : "false",
        DateTime t => FormatTimestamp(t),
        DateTimeOffset t => FormatTimestamp(t.UtcDateTime),
        DateOnly d => d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        float f => f.ToString("R", CultureInfo.InvariantCulture),
        byte[] bytes => Convert.ToHexStringLower(bytes),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        IEnumerable or IDictionary => ToJson(value),
        _ => value.ToString() ?? "",
    };

    /// <summary>ISO 8601 with microseconds and a Z: DuckDB's TIMESTAMP is UTC by the schema's contract.</summary>
    public static string FormatTimestamp(DateTime t) =>
        t.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture);

    private static string ToJson(object value)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            WriteJsonValue(json, value);
        }
        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    private static void WriteJsonValue(Utf8JsonWriter json, object? value)
    {
        switch (value)
        {
            case null or DBNull:
                json.WriteNullValue();
                break;
            case bool b:
                json.WriteBooleanValue(b);
                break;
            case string s:
                json.WriteStringValue(s);
                break;
            case sbyte or byte or short or ushort or int or uint or long:
                json.WriteNumberValue(Convert.ToInt64(value, CultureInfo.InvariantCulture));
                break;
            case ulong u:
                json.WriteNumberValue(u);
                break;
            case double d when double.IsFinite(d):
                json.WriteNumberValue(d);
                break;
            case float f when float.IsFinite(f):
                json.WriteNumberValue(f);
                break;
            case decimal m:
                json.WriteNumberValue(m);
                break;
            case BigInteger or Int128 or UInt128:
                json.WriteRawValue(((IFormattable)value).ToString(null, CultureInfo.InvariantCulture));
                break;
            case IDictionary map:
                json.WriteStartObject();
                foreach (DictionaryEntry entry in map)
                {
                    json.WritePropertyName(FormatText(entry.Key));
                    WriteJsonValue(json, entry.Value);
                }
                json.WriteEndObject();
                break;
            case IEnumerable list and not byte[]:
                json.WriteStartArray();
                foreach (object? item in list)
                {
                    WriteJsonValue(json, item);
                }
                json.WriteEndArray();
                break;
            default:
                json.WriteStringValue(FormatText(value));
                break;
        }
    }

    private static void WriteCsvCell(TextWriter output, string text)
    {
        if (text.AsSpan().IndexOfAny(",\"\r\n") < 0)
        {
            output.Write(text);
            return;
        }
        output.Write('"');
        output.Write(text.Replace("\"", "\"\"", StringComparison.Ordinal));
        output.Write('"');
    }
}
