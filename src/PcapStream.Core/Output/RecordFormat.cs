namespace PcapStream.Output;

/// <summary>Text formats of the record commands (<c>--format</c>).</summary>
public enum RecordFormat
{
    /// <summary>
    /// Tab-separated, a header row of the column names, null = empty field. In strings a backslash, tab, CR
    /// and LF are written as <c>\\</c>, <c>\t</c>, <c>\r</c>, <c>\n</c> (PostgreSQL text / tshark style), so
    /// every record is one line with the same number of fields.
    /// </summary>
    Tsv,
    /// <summary>RFC 4180: comma-separated, header row, CRLF line ends, fields holding <c>,</c>, <c>"</c>, CR or LF quoted with <c>"</c> doubled; null = empty field.</summary>
    Csv,
    /// <summary>JSON Lines: one object per record; null fields are omitted; timestamps are ISO 8601 strings, lists arrays.</summary>
    Json,
}
