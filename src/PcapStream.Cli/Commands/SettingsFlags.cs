using System.CommandLine;
using PcapStream.Config;

namespace PcapStream.Cli.Commands;

/// <summary>
/// Loads the settings for a command: file (<c>--config</c>, PCAPSTREAM_CONFIG, ./pcapstream.yaml, /etc/pcapstream/)
/// &lt; PCAPSTREAM_* environment &lt; the command's flags. Commands add <see cref="Config"/> and call
/// <see cref="Load"/>, then <see cref="Apply{T}"/> per flag; a bad setting is a usage error (exit 2).
/// </summary>
public static class SettingsFlags
{
    /// <summary><c>--config FILE</c>.</summary>
    public static Option<string?> Config() => new("--config")
    {
        Description = "Settings file (pcapstream.yaml or .json); default: $PCAPSTREAM_CONFIG, ./pcapstream.yaml, /etc/pcapstream/pcapstream.yaml.",
    };

    /// <summary>Loads file + environment; settings errors become <see cref="UsageException"/>.</summary>
    public static PcapStreamSettings Load(ParseResult parse, Option<string?> config)
    {
        try
        {
            return SettingsLoader.Load(parse.GetValue(config));
        }
        catch (SettingsException e)
        {
            throw new UsageException(e.Message);
        }
    }

    /// <summary>Applies <paramref name="option"/> to setting <paramref name="key"/> when it was given on the command line.</summary>
    public static void Apply<T>(ParseResult parse, PcapStreamSettings settings, Option<T> option, string key)
    {
        if (parse.GetResult(option) is null)
        {
            return;
        }
        try
        {
            T? value = parse.GetValue(option);
            switch (value)
            {
                case string[] list:
                    SettingsLoader.ApplyFlag(settings, key, option.Name, list);
                    break;
                case IFormattable f:
                    SettingsLoader.ApplyFlag(settings, key, option.Name, f.ToString(null, System.Globalization.CultureInfo.InvariantCulture));
                    break;
                case bool b:
                    SettingsLoader.ApplyFlag(settings, key, option.Name, b ? "true" : "false");
                    break;
                default:
                    SettingsLoader.ApplyFlag(settings, key, option.Name, value?.ToString() ?? "");
                    break;
            }
        }
        catch (SettingsException e)
        {
            throw new UsageException(e.Message);
        }
    }
}
