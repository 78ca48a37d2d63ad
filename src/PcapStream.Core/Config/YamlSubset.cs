namespace PcapStream.Config;

/// <summary>
/// Reads the part of YAML a settings file needs, without a dependency: nested mappings by indentation,
/// scalars (plain, 'single' or "double" quoted), <c>#</c> comments, block lists (<c>- item</c>) and flow lists
/// (<c>[a, b]</c>). Anchors, multi-line strings and documents are refused with the line number, never guessed.
/// </summary>
public static class YamlSubset
{
    /// <summary>One leaf: dotted path (<c>capture.rotateSeconds</c>), its items (one for a scalar) and 1-based line.</summary>
    public readonly record struct Entry(string Path, IReadOnlyList<string> Items, bool IsList, int Line);

    /// <summary>Parses <paramref name="text"/>; <paramref name="name"/> is used in error messages.</summary>
    /// <exception cref="SettingsException">The text uses YAML this subset does not read, or is malformed.</exception>
    public static List<Entry> Parse(string text, string name)
    {
        var entries = new List<Entry>();
        // Open mappings: (indent, path). A key with no value opens a mapping or a block list below it.
        var stack = new List<(int Indent, string Path)>();
        string? listPath = null;
        int listIndent = -1, listLine = 0;
        List<string>? listItems = null;
        string[] lines = text.Split('\n');
        for (int i = 0; i < lines.Length; i++)
        {
            int lineNo = i + 1;
            string raw = StripComment(lines[i].TrimEnd('\r'));
            if (raw.Trim().Length == 0 || raw.Trim() == "---")
            {
                continue;
            }
            if (raw.Contains('\t', StringComparison.Ordinal) && raw.TrimStart(' ').StartsWith('\t'))
            {
                throw Error(name, lineNo, "tabs are not allowed for indentation");
            }
            int indent = raw.Length - raw.TrimStart(' ').Length;
            string content = raw.Trim();

            if (content.StartsWith("- ", StringComparison.Ordinal) || content == "-")
            {
                if (listPath is null || indent < listIndent)
                {
                    throw Error(name, lineNo, "a list item must follow a key ending in ':'");
                }
                listItems!.Add(Scalar(content[1..].Trim(), name, lineNo));
                continue;
            }
            if (listPath is not null)
            {
                // No items: the key opened a nested mapping instead of a list.
                if (listItems!.Count > 0)
                {
                    entries.Add(new Entry(listPath, listItems, true, listLine));
                }
                listPath = null;
                listItems = null;
            }

            int colon = FindKeyColon(content);
            if (colon <= 0)
            {
                throw Error(name, lineNo, $"expected 'key: value', found '{content}'");
            }
            string key = Unquote(content[..colon].Trim());
            string rest = content[(colon + 1)..].Trim();
            while (stack.Count > 0 && stack[^1].Indent >= indent)
            {
                stack.RemoveAt(stack.Count - 1);
            }
            string path = stack.Count == 0 ? key : stack[^1].Path + "." + key;
            if (rest.Length == 0)
            {
                // Either a nested mapping or a block list follows; decide when the next line arrives.
                stack.Add((indent, path));
                listPath = path;
                listIndent = indent;
                listLine = lineNo;
                listItems = [];
                continue;
            }
            if (rest.StartsWith('&') || rest.StartsWith('*') || rest.StartsWith('|') || rest.StartsWith('>') || rest.StartsWith('{'))
            {
                throw Error(name, lineNo, $"'{rest}' uses YAML this reader does not support (anchors, block strings, flow maps)");
            }
            if (rest.StartsWith('['))
            {
                if (!rest.EndsWith(']'))
                {
                    throw Error(name, lineNo, "a flow list must close on the same line");
                }
                var items = new List<string>();
                foreach (string part in rest[1..^1].Split(','))
                {
                    if (part.Trim().Length > 0)
                    {
                        items.Add(Scalar(part.Trim(), name, lineNo));
                    }
                }
                entries.Add(new Entry(path, items, true, lineNo));
                continue;
            }
            entries.Add(new Entry(path, [Scalar(rest, name, lineNo)], false, lineNo));
        }
        if (listPath is not null && listItems!.Count > 0)
        {
            entries.Add(new Entry(listPath, listItems, true, listLine));
        }
        return entries;
    }

    private static string Scalar(string s, string name, int line)
    {
        if (s.Length >= 2 && ((s[0] == '"' && s[^1] == '"') || (s[0] == '\'' && s[^1] == '\'')))
        {
            return Unquote(s);
        }
        if (s.StartsWith('"') || s.StartsWith('\''))
        {
            throw Error(name, line, $"unterminated quoted value {s}");
        }
        return s is "~" or "null" ? "" : s;
    }

    private static string Unquote(string s)
    {
        if (s.Length >= 2 && s[0] == '\'' && s[^1] == '\'')
        {
            return s[1..^1].Replace("''", "'", StringComparison.Ordinal);
        }
        if (s.Length >= 2 && s[0] == '"' && s[^1] == '"')
        {
            return s[1..^1].Replace("\\\"", "\"", StringComparison.Ordinal).Replace("\\\\", "\\", StringComparison.Ordinal);
        }
        return s;
    }

    /// <summary>The colon that ends a key: followed by a space or the end of the line, outside quotes.</summary>
    private static int FindKeyColon(string s) => FindUnquoted(s, ':', spaceBefore: false);

    /// <summary>Drops a <c># comment</c> (at line start or after a space), leaving '#' inside quotes alone.</summary>
    private static string StripComment(string s)
    {
        int i = FindUnquoted(s, '#', spaceBefore: true);
        return i < 0 ? s : s[..i];
    }

    /// <summary>
    /// First <paramref name="target"/> outside single or double quotes that stands at a word edge: preceded by a
    /// space or the line start (<paramref name="spaceBefore"/>), else followed by a space or the line end; -1 if none.
    /// </summary>
    private static int FindUnquoted(string s, char target, bool spaceBefore)
    {
        char quote = '\0';
        for (int i = 0; i < s.Length; i++)
        {
            char c = s[i];
            if (quote != '\0')
            {
                if (c == quote)
                {
                    quote = '\0';
                }
            }
            else if (c is '"' or '\'')
            {
                quote = c;
            }
            else if (c == target && (spaceBefore ? (i == 0 || s[i - 1] == ' ') : (i + 1 == s.Length || s[i + 1] == ' ')))
            {
                return i;
            }
        }
        return -1;
    }

    private static SettingsException Error(string name, int line, string what) => new($"{name} line {line}: {what}.");
}
