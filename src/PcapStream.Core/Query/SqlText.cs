namespace PcapStream.Query;

/// <summary>
/// Just enough SQL lexing to find statement boundaries: semicolons outside 'strings', "identifiers", -- line and
/// /* block */ comments. Not a parser; DuckDB parses.
/// </summary>
internal static class SqlText
{
    /// <summary>Where the last non-empty statement starts (0 for a single statement).</summary>
    public static int LastStatementStart(string sql)
    {
        int start = 0, last = 0;
        foreach (int semicolon in Semicolons(sql))
        {
            if (!string.IsNullOrWhiteSpace(StripComments(sql[start..semicolon])))
            {
                last = start;
            }
            start = semicolon + 1;
        }
        return string.IsNullOrWhiteSpace(StripComments(sql[start..])) ? last : start;
    }

    /// <summary>The text without the semicolons (and blanks, comments) that end it.</summary>
    public static string WithoutTrailingSemicolons(string sql)
    {
        int end = sql.Length;
        foreach (int semicolon in Semicolons(sql))
        {
            if (string.IsNullOrWhiteSpace(StripComments(sql[(semicolon + 1)..])))
            {
                end = semicolon;
                break;
            }
        }
        // A trailing -- comment would swallow the closing parenthesis of a wrapper: end it with a newline.
        return sql[..end].TrimEnd() + "\n";
    }

    private static IEnumerable<int> Semicolons(string sql)
    {
        for (int i = 0; i < sql.Length; i++)
        {
            switch (sql[i])
            {
                case '\'' or '"':
                    i = SkipQuoted(sql, i);
                    break;
                case '-' when i + 1 < sql.Length && sql[i + 1] == '-':
                    i = sql.IndexOf('\n', i) is int nl and >= 0 ? nl : sql.Length;
                    break;
                case '/' when i + 1 < sql.Length && sql[i + 1] == '*':
                    i = sql.IndexOf("*/", i + 2, StringComparison.Ordinal) is int close and >= 0 ? close + 1 : sql.Length;
                    break;
                case ';':
                    yield return i;
                    break;
            }
        }
    }

    // Index of the closing quote ('' and "" inside are escapes), or the end.
    private static int SkipQuoted(string sql, int open)
    {
        char q = sql[open];
        for (int i = open + 1; i < sql.Length; i++)
        {
            if (sql[i] == q)
            {
                if (i + 1 < sql.Length && sql[i + 1] == q)
                {
                    i++;
                    continue;
                }
                return i;
            }
        }
        return sql.Length;
    }

    private static string StripComments(string part)
    {
        var kept = new System.Text.StringBuilder(part.Length);
        for (int i = 0; i < part.Length; i++)
        {
            if (part[i] == '-' && i + 1 < part.Length && part[i + 1] == '-')
            {
                i = part.IndexOf('\n', i) is int nl and >= 0 ? nl : part.Length;
                continue;
            }
            if (part[i] == '/' && i + 1 < part.Length && part[i + 1] == '*')
            {
                i = part.IndexOf("*/", i + 2, StringComparison.Ordinal) is int close and >= 0 ? close + 1 : part.Length;
                continue;
            }
            kept.Append(part[i]);
        }
        return kept.ToString();
    }
}
