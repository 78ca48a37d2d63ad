using System.Data.Common;
using System.Text;
using DuckDB.NET.Data;

namespace PcapStream.Query;

/// <summary>
/// An embedded, read-only DuckDB session over one output directory: an in-memory database holding only the views
/// <c>packets</c> and <c>flows</c> over the committed Parquet files (<see cref="DatasetCatalog"/>), read with
/// Hive partitioning so filters on <c>date</c>/<c>hour</c> skip whole files.
/// </summary>
/// <remarks>
/// Why a user query cannot change the datasets: the database is in memory (nothing of it is persisted), the
/// datasets are reached only through views (DELETE/UPDATE/INSERT on a view fail), and before any user SQL runs the
/// session sets <c>allowed_paths</c> to exactly the committed files, then <c>enable_external_access = false</c>
/// (which DuckDB never lets a running database turn back on, and which disables COPY TO, EXPORT, ATTACH, INSTALL
/// and LOAD and every file outside the allowed list) and finally <c>lock_configuration = true</c>.
/// </remarks>
public sealed class QuerySession : IDisposable
{
    private readonly DuckDBConnection _connection;

    private QuerySession(DatasetCatalog catalog, DuckDBConnection connection)
    {
        Catalog = catalog;
        _connection = connection;
    }

    /// <summary>Columns of the last <see cref="Execute"/> result that hold JSON text (MAP and STRUCT values); the
    /// JSON writer prints them as nested JSON.</summary>
    public IReadOnlySet<string> JsonColumns { get; private set; } = new HashSet<string>();

    /// <summary>The committed files the views read.</summary>
    public DatasetCatalog Catalog { get; }

    /// <summary>Opens a session over <paramref name="outputDirectory"/> (see <see cref="DatasetCatalog.Load"/>).</summary>
    public static QuerySession Open(string outputDirectory) => Open(DatasetCatalog.Load(outputDirectory));

    /// <summary>Opens a session over the files of <paramref name="catalog"/>.</summary>
    public static QuerySession Open(DatasetCatalog catalog)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        var connection = new DuckDBConnection("Data Source=:memory:");
        try
        {
            connection.Open();
            var setup = new StringBuilder();
            AppendView(setup, "packets", catalog.PacketFiles);
            AppendView(setup, "flows", catalog.FlowFiles);
            setup.Append("SET allowed_paths = ");
            AppendList(setup, catalog.PacketFiles, catalog.FlowFiles);
            setup.Append(";\nSET autoinstall_known_extensions = false;\nSET autoload_known_extensions = false;\n");
            setup.Append("SET enable_external_access = false;\nSET lock_configuration = true;\n");
            using DuckDBCommand command = connection.CreateCommand();
            command.CommandText = setup.ToString();
            command.ExecuteNonQuery();
            return new QuerySession(catalog, connection);
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Runs <paramref name="sql"/> (one or more statements; the result is the last one's) and returns a reader over
    /// its rows. Dispose the reader before the next query.
    /// </summary>
    /// <exception cref="QueryException">DuckDB rejected or failed the query; the message is DuckDB's first line.</exception>
    public DbDataReader Execute(string sql)
    {
        ArgumentNullException.ThrowIfNull(sql);
        JsonColumns = new HashSet<string>();
        DbDataReader reader = Run(sql);
        // MAP and STRUCT values come out of DuckDB.NET as Dictionary<K, V> built by reflection, which the Native AOT
        // build cannot construct for every K and V: such columns are returned as DuckDB's own JSON text instead
        // (the same in both builds; the writers print a JSON column as JSON). Needs the result's last statement to
        // be the only one; a multi-statement script keeps its columns as they are.
        List<string> nested = NestedColumns(reader);
        if (nested.Count == 0 || SqlText.LastStatementStart(sql) != 0)
        {
            return reader;
        }
        reader.Dispose();
        var wrapped = new StringBuilder("SELECT * REPLACE (");
        for (int i = 0; i < nested.Count; i++)
        {
            string name = "\"" + nested[i].Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
            wrapped.Append(i == 0 ? "" : ", ").Append("to_json(").Append(name).Append(") AS ").Append(name);
        }
        wrapped.Append(") FROM (\n").Append(SqlText.WithoutTrailingSemicolons(sql)).Append("\n)");
        DbDataReader json = Run(wrapped.ToString());
        JsonColumns = new HashSet<string>(nested, StringComparer.Ordinal);
        return json;
    }

    private DbDataReader Run(string sql)
    {
        DuckDBCommand command = _connection.CreateCommand();
        command.CommandText = sql;
        command.UseStreamingMode = true;
        try
        {
            return command.ExecuteReader();
        }
        catch (DuckDBException e)
        {
            command.Dispose();
            throw Translate(e);
        }
    }

    // Result columns whose values DuckDB.NET returns as dictionaries (MAP, STRUCT), by name; none when two columns
    // share a name (the REPLACE could not tell them apart).
    private static List<string> NestedColumns(DbDataReader reader)
    {
        var nested = new List<string>();
        var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        for (int i = 0; i < reader.FieldCount; i++)
        {
            if (!names.Add(reader.GetName(i)))
            {
                return [];
            }
            Type t = reader.GetFieldType(i);
            if (t.IsGenericType && t.GetGenericTypeDefinition() == typeof(Dictionary<,>))
            {
                nested.Add(reader.GetName(i));
            }
        }
        return nested;
    }

    /// <summary>Runs a query whose first column of the first row is the answer (tests, extract lookups).</summary>
    public object? Scalar(string sql)
    {
        using DbDataReader reader = Execute(sql);
        try
        {
            return reader.Read() ? reader.GetValue(0) : null;
        }
        catch (DuckDBException e)
        {
            throw Translate(e);
        }
    }

    /// <summary>Turns a DuckDB error into one sentence, explaining a missing dataset instead of "table does not exist".</summary>
    public QueryException Translate(DuckDBException e)
    {
        ArgumentNullException.ThrowIfNull(e);
        string message = e.Message;
        int newline = message.IndexOf('\n', StringComparison.Ordinal);
        string first = (newline < 0 ? message : message[..newline]).Trim();
        foreach ((string view, int count) in (ReadOnlySpan<(string, int)>)[("packets", Catalog.PacketFiles.Count), ("flows", Catalog.FlowFiles.Count)])
        {
            if (count == 0 && first.Contains($"name {view} does not exist", StringComparison.OrdinalIgnoreCase))
            {
                first = $"{Catalog.OutputDirectory} has no committed {view} data yet (no {view}/**/part-<batch>-*.parquet file with a _pcapstream/commits/<batch> entry)";
            }
        }
        return new QueryException(first, e);
    }

    private static void AppendView(StringBuilder sql, string name, IReadOnlyList<string> files)
    {
        if (files.Count == 0)
        {
            return; // no view: a query naming it gets the "no committed data" sentence from Translate
        }
        sql.Append("CREATE VIEW ").Append(name).Append(" AS SELECT * FROM read_parquet(");
        AppendList(sql, files, []);
        // Types fixed by DESIGN.md rather than sniffed: "hour=09" alone would otherwise be read as text.
        sql.Append(", hive_partitioning = true, hive_types = {'date': DATE, 'hour': INTEGER}, union_by_name = true);\n");
    }

    private static void AppendList(StringBuilder sql, IReadOnlyList<string> a, IReadOnlyList<string> b)
    {
        sql.Append('[');
        bool first = true;
        foreach (IReadOnlyList<string> list in (ReadOnlySpan<IReadOnlyList<string>>)[a, b])
        {
            foreach (string file in list)
            {
                if (!first)
                {
                    sql.Append(", ");
                }
                first = false;
                AppendLiteral(sql, file);
            }
        }
        sql.Append(']');
    }

    /// <summary>Appends a SQL string literal (single quotes doubled).</summary>
    public static void AppendLiteral(StringBuilder sql, string value)
    {
        ArgumentNullException.ThrowIfNull(sql);
        ArgumentNullException.ThrowIfNull(value);
        sql.Append('\'').Append(value.Replace("'", "''", StringComparison.Ordinal)).Append('\'');
    }

    public void Dispose() => _connection.Dispose();
}

/// <summary>A query DuckDB rejected or could not run; <see cref="Exception.Message"/> is DuckDB's own sentence.</summary>
public sealed class QueryException : Exception
{
    public QueryException(string message, Exception inner) : base(message, inner) { }

    public QueryException() { }

    public QueryException(string message) : base(message) { }
}
