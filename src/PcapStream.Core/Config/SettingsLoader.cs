using System.Collections;
using System.Text.Json;

namespace PcapStream.Config;

/// <summary>
/// Builds <see cref="PcapStreamSettings"/> from defaults, then the settings file, then <c>PCAPSTREAM_*</c>
/// environment variables; commands apply their flags last with <c>ApplyFlag</c>. Unknown keys are
/// errors (a misspelt key silently ignored is a capture host misconfigured for months).
/// </summary>
public static class SettingsLoader
{
    /// <summary>Environment variable naming the settings file when <c>--config</c> is not given.</summary>
    public const string ConfigEnvironmentVariable = "PCAPSTREAM_CONFIG";

    /// <summary>
    /// Where the settings file is looked for when neither <c>--config</c> nor <c>PCAPSTREAM_CONFIG</c> names one:
    /// the working directory, then /etc/pcapstream. The first that exists wins.
    /// </summary>
    public static IReadOnlyList<string> SearchPaths { get; } =
    [
        "pcapstream.yaml", "pcapstream.yml", "pcapstream.json",
        "/etc/pcapstream/pcapstream.yaml", "/etc/pcapstream/pcapstream.yml", "/etc/pcapstream/pcapstream.json",
    ];

    /// <summary>Loads settings from the process environment.</summary>
    /// <param name="configPath">The <c>--config</c> flag, or null to use PCAPSTREAM_CONFIG or the search paths.</param>
    public static PcapStreamSettings Load(string? configPath = null) =>
        Load(configPath, ReadEnvironment(), searchDefaults: true);

    /// <summary>Loads settings from an explicit environment (tests), optionally without searching default paths.</summary>
    /// <exception cref="SettingsException">The file is missing, malformed or holds an unknown or invalid key.</exception>
    public static PcapStreamSettings Load(string? configPath, IReadOnlyDictionary<string, string> environment, bool searchDefaults)
    {
        var settings = new PcapStreamSettings();
        string? file = configPath;
        if (file is null && environment.TryGetValue(ConfigEnvironmentVariable, out string? fromEnv) && fromEnv.Length > 0)
        {
            file = fromEnv;
        }
        if (file is not null && !File.Exists(file))
        {
            throw new SettingsException($"settings file '{file}' does not exist.");
        }
        if (file is null && searchDefaults)
        {
            foreach (string candidate in SearchPaths)
            {
                if (File.Exists(candidate))
                {
                    file = candidate;
                    break;
                }
            }
        }
        if (file is not null)
        {
            ApplyFile(settings, file);
            settings.SourceFile = Path.GetFullPath(file);
        }
        ApplyEnvironment(settings, environment);
        ResolveSecrets(settings);
        return settings;
    }

    /// <summary>Applies one command-line flag's value to <paramref name="key"/> (the last, strongest layer).</summary>
    public static void ApplyFlag(PcapStreamSettings settings, string key, string flag, string value)
    {
        SettingKey k = SettingKeys.Find(key) ?? throw new ArgumentException($"unknown setting {key}", nameof(key));
        k.Apply(settings, new SettingValue(value, [value], flag));
    }

    /// <summary>Applies a list-valued flag (e.g. several <c>-i</c>).</summary>
    public static void ApplyFlag(PcapStreamSettings settings, string key, string flag, IReadOnlyList<string> values)
    {
        SettingKey k = SettingKeys.Find(key) ?? throw new ArgumentException($"unknown setting {key}", nameof(key));
        k.Apply(settings, new SettingValue(string.Join(',', values), values, flag));
    }

    private static void ApplyFile(PcapStreamSettings settings, string file)
    {
        string name = Path.GetFileName(file);
        string text = File.ReadAllText(file);
        bool json = file.EndsWith(".json", StringComparison.OrdinalIgnoreCase) || text.TrimStart().StartsWith('{');
        List<YamlSubset.Entry> entries = json ? ParseJson(text, name) : YamlSubset.Parse(text, name);
        foreach (YamlSubset.Entry e in entries)
        {
            string origin = json ? $"{name}: {e.Path}" : $"{name} line {e.Line} ({e.Path})";
            SettingKey key = SettingKeys.Find(e.Path)
                ?? throw new SettingsException($"{origin}: unknown setting '{e.Path}'{Suggest(e.Path)}.");
            if (key.Name == "elasticsearch.password")
            {
                throw new SettingsException($"{origin}: passwords do not belong in the settings file; set PCAPSTREAM_ELASTICSEARCH_PASSWORD or elasticsearch.passwordFile.");
            }
            key.Apply(settings, new SettingValue(string.Join(',', e.Items), e.Items, origin));
        }
    }

    private static void ApplyEnvironment(PcapStreamSettings settings, IReadOnlyDictionary<string, string> environment)
    {
        foreach (SettingKey key in SettingKeys.All)
        {
            if (environment.TryGetValue(key.EnvironmentVariable, out string? value))
            {
                // Lists from the environment are comma-separated (PCAPSTREAM_CAPTURE_INTERFACES=eth0,eth1).
                var items = new List<string>();
                foreach (string part in value.Split(','))
                {
                    if (part.Trim().Length > 0)
                    {
                        items.Add(part.Trim());
                    }
                }
                key.Apply(settings, new SettingValue(value.Trim(), items, key.EnvironmentVariable));
            }
        }
    }

    private static void ResolveSecrets(PcapStreamSettings settings)
    {
        ElasticsearchSettings es = settings.Elasticsearch;
        if (es.Password is null && es.PasswordFile is not null)
        {
            if (!File.Exists(es.PasswordFile))
            {
                throw new SettingsException($"elasticsearch.passwordFile '{es.PasswordFile}' does not exist.");
            }
            using var reader = new StreamReader(es.PasswordFile);
            es.Password = reader.ReadLine()?.Trim() ?? "";
        }
    }

    private static List<YamlSubset.Entry> ParseJson(string text, string name)
    {
        var entries = new List<YamlSubset.Entry>();
        try
        {
            using JsonDocument doc = JsonDocument.Parse(text, new JsonDocumentOptions
            {
                CommentHandling = JsonCommentHandling.Skip,
                AllowTrailingCommas = true,
            });
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw new SettingsException($"{name}: the settings must be a JSON object.");
            }
            Flatten(doc.RootElement, "", entries, name);
        }
        catch (JsonException e)
        {
            throw new SettingsException($"{name} line {(e.LineNumber ?? 0) + 1}: not valid JSON ({e.Message}).");
        }
        return entries;
    }

    private static void Flatten(JsonElement obj, string prefix, List<YamlSubset.Entry> entries, string name)
    {
        foreach (JsonProperty p in obj.EnumerateObject())
        {
            string path = prefix.Length == 0 ? p.Name : prefix + "." + p.Name;
            switch (p.Value.ValueKind)
            {
                case JsonValueKind.Object:
                    Flatten(p.Value, path, entries, name);
                    break;
                case JsonValueKind.Array:
                    var items = new List<string>();
                    foreach (JsonElement item in p.Value.EnumerateArray())
                    {
                        items.Add(ScalarText(item, path, name));
                    }
                    entries.Add(new YamlSubset.Entry(path, items, true, 0));
                    break;
                default:
                    entries.Add(new YamlSubset.Entry(path, [ScalarText(p.Value, path, name)], false, 0));
                    break;
            }
        }
    }

    private static string ScalarText(JsonElement e, string path, string name) => e.ValueKind switch
    {
        JsonValueKind.String => e.GetString()!,
        JsonValueKind.Number => e.GetRawText(),
        JsonValueKind.True => "true",
        JsonValueKind.False => "false",
        JsonValueKind.Null => "",
        _ => throw new SettingsException($"{name}: {path} must be a plain value or a list of plain values."),
    };

    private static string Suggest(string path)
    {
        string leaf = path[(path.LastIndexOf('.') + 1)..];
        foreach (SettingKey key in SettingKeys.All)
        {
            string keyLeaf = key.Name[(key.Name.LastIndexOf('.') + 1)..];
            if (keyLeaf.StartsWith(leaf, StringComparison.OrdinalIgnoreCase) || leaf.StartsWith(keyLeaf, StringComparison.OrdinalIgnoreCase))
            {
                return $" (did you mean '{key.Name}'?)";
            }
        }
        return " (see docs/capture.md for the list)";
    }

    private static Dictionary<string, string> ReadEnvironment()
    {
        var env = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (DictionaryEntry e in Environment.GetEnvironmentVariables())
        {
            string k = (string)e.Key;
            if (k.StartsWith("PCAPSTREAM_", StringComparison.Ordinal))
            {
                env[k] = (string?)e.Value ?? "";
            }
        }
        return env;
    }
}
