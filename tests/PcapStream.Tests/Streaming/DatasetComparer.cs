using DuckDB.NET.Data;

namespace PcapStream.Tests.Streaming;

/// <summary>Compares two outputs' datasets row for row with DuckDB (an independent reader of our Parquet).</summary>
internal static class DatasetComparer
{
    /// <summary>Rows of a dataset (counting duplicates).</summary>
    public static long Count(string output, string dataset) =>
        Scalar($"SELECT count(*) FROM {Source(output, dataset)}");

    /// <summary>Asserts both outputs hold exactly the same multiset of rows in the dataset (every column).</summary>
    public static void AssertSameRows(string expected, string actual, string dataset)
    {
        long e = Count(expected, dataset), a = Count(actual, dataset);
        Assert.True(e > 0, $"the expected {dataset} dataset is empty");
        long missing = Scalar($"SELECT count(*) FROM (SELECT * FROM {Source(expected, dataset)} EXCEPT ALL SELECT * FROM {Source(actual, dataset)})");
        long extra = Scalar($"SELECT count(*) FROM (SELECT * FROM {Source(actual, dataset)} EXCEPT ALL SELECT * FROM {Source(expected, dataset)})");
        Assert.True(missing == 0 && extra == 0 && e == a,
            $"{dataset}: expected {e} rows, got {a}; {missing} expected rows missing, {extra} rows extra (lost or duplicated)");
    }

    public static long Scalar(string sql)
    {
        using var connection = new DuckDBConnection("DataSource=:memory:");
        connection.Open();
        using DuckDBCommand command = connection.CreateCommand();
        command.CommandText = sql;
        return Convert.ToInt64(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
    }

    public static string Text(string sql)
    {
        using var connection = new DuckDBConnection("DataSource=:memory:");
        connection.Open();
        using DuckDBCommand command = connection.CreateCommand();
        command.CommandText = sql;
        return Convert.ToString(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture) ?? "";
    }

    public static string Source(string output, string dataset) =>
        $"read_parquet('{Path.Combine(output, dataset).Replace("'", "''", StringComparison.Ordinal)}/**/*.parquet', hive_partitioning = true)";
}
