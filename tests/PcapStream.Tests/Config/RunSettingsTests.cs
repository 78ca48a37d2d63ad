using PcapStream.Cli;
using PcapStream.Tests.Streaming;

namespace PcapStream.Tests.Config;

/// <summary>`run` reads its input/output from the settings file shared with `capture`; flags still win.</summary>
public class RunSettingsTests
{
    [Fact]
    public void Run_takes_input_and_output_from_the_settings_file()
    {
        using var dirs = new TestDirs("run-settings");
        string input = dirs.Sub("in"), output = dirs.Sub("out");
        EndToEndTests.MakeSample(input, minutes: 2, flows: 50);
        string config = dirs.Sub("pcapstream.yaml");
        File.WriteAllText(config, $"run:\n  input: {input}\n  output: {output}\n");

        int exit = Program.Main(["run", "--once", "--flush-at-end", "--completion", "All", "--config", config]);

        Assert.Equal(ExitCodes.Success, exit);
        Assert.True(DatasetComparer.Count(output, "packets") > 0, "run wrote no packets to the output named in the settings file");
    }

    [Fact]
    public void A_flag_overrides_the_settings_file()
    {
        using var dirs = new TestDirs("run-settings-flag");
        string input = dirs.Sub("in"), output = dirs.Sub("out"), ignored = dirs.Sub("ignored");
        EndToEndTests.MakeSample(input, minutes: 2, flows: 50);
        string config = dirs.Sub("pcapstream.yaml");
        File.WriteAllText(config, $"run:\n  input: {input}\n  output: {ignored}\n");

        int exit = Program.Main(["run", "--once", "--completion", "All", "--config", config, "--output", output]);

        Assert.Equal(ExitCodes.Success, exit);
        Assert.True(DatasetComparer.Count(output, "packets") > 0);
        Assert.False(Directory.Exists(Path.Combine(ignored, "packets")), "the settings file's output was used although --output was given");
    }

    [Fact]
    public void Without_input_anywhere_run_is_a_usage_error()
    {
        using var dirs = new TestDirs("run-settings-none");
        string config = dirs.Sub("pcapstream.yaml");
        File.WriteAllText(config, "run:\n  intervalSeconds: 5\n");
        Assert.Equal(ExitCodes.Usage, Program.Main(["run", "--once", "--config", config, "--output", dirs.Sub("out")]));
    }
}
