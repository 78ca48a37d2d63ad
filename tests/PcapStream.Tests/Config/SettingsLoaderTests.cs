using PcapStream.Config;

namespace PcapStream.Tests.Config;

public sealed class SettingsLoaderTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("pcapstream-settings-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Write(string name, string text)
    {
        string path = Path.Combine(_dir, name);
        File.WriteAllText(path, text);
        return path;
    }

    private static PcapStreamSettings Load(string? file, Dictionary<string, string>? env = null) =>
        SettingsLoader.Load(file, env ?? [], searchDefaults: false);

    [Fact]
    public void File_is_overridden_by_environment_which_is_overridden_by_flags()
    {
        string file = Write("pcapstream.yaml", """
            # capture host settings (the old env.sh)
            capture:
              directory: /data/in      # root of the tree
              rotateSeconds: 30
              rotateMegabytes: 500
              maxFiles: 10
              filePrefix: "cap"
              interfaces:
                - eth1
                - eth2
            run:
              output: /data/out
            """);
        var env = new Dictionary<string, string>
        {
            ["PCAPSTREAM_CAPTURE_ROTATE_SECONDS"] = "40",
            ["PCAPSTREAM_CAPTURE_MAX_FILES"] = "20",
        };
        PcapStreamSettings s = Load(file, env);
        SettingsLoader.ApplyFlag(s, "capture.maxFiles", "--max-files", "5");

        Assert.Equal("/data/in", s.Capture.Directory);        // file only
        Assert.Equal(500, s.Capture.RotateMegabytes);          // file only
        Assert.Equal(40, s.Capture.RotateSeconds);             // env beats file
        Assert.Equal(5, s.Capture.MaxFiles);                   // flag beats env and file
        Assert.Equal("cap", s.Capture.FilePrefix);
        Assert.Equal(["eth1", "eth2"], s.Capture.Interfaces);
        Assert.Equal("/data/out", s.Run.Output);
        Assert.Equal("%Y/%m/%d", s.Capture.DirectoryFormat);   // default kept
        Assert.Equal(Path.GetFullPath(file), s.SourceFile);
    }

    [Fact]
    public void Json_file_gives_the_same_settings_and_environment_lists_are_comma_separated()
    {
        string file = Write("pcapstream.json", """
            { "capture": { "directory": "/data/in", "rotateSeconds": 30, "interfaces": ["eth1"] },
              "retention": { "captureKeepDays": 7.5, "deleteUnprocessed": true }, }
            """);
        PcapStreamSettings s = Load(file, new() { ["PCAPSTREAM_CAPTURE_INTERFACES"] = "eth3, eth4" });
        Assert.Equal(30, s.Capture.RotateSeconds);
        Assert.Equal(["eth3", "eth4"], s.Capture.Interfaces);
        Assert.Equal(7.5, s.Retention.CaptureKeepDays);
        Assert.True(s.Retention.DeleteUnprocessed);
    }

    [Fact]
    public void The_config_file_can_be_named_by_the_environment()
    {
        string file = Write("elsewhere.yaml", "capture:\n  sensor: tap1\n");
        PcapStreamSettings s = Load(null, new() { [SettingsLoader.ConfigEnvironmentVariable] = file });
        Assert.Equal("tap1", s.Capture.Sensor);
    }

    [Fact]
    public void A_misspelt_key_is_an_error_naming_file_line_and_the_likely_key()
    {
        string file = Write("pcapstream.yaml", "capture:\n  directory: /x\n  rotateSec: 5\n");
        var e = Assert.Throws<SettingsException>(() => Load(file));
        Assert.Contains("pcapstream.yaml line 3", e.Message);
        Assert.Contains("capture.rotateSeconds", e.Message);
    }

    [Fact]
    public void A_bad_value_names_where_it_came_from()
    {
        var e = Assert.Throws<SettingsException>(() => Load(null, new() { ["PCAPSTREAM_CAPTURE_ROTATE_SECONDS"] = "soon" }));
        Assert.Contains("PCAPSTREAM_CAPTURE_ROTATE_SECONDS", e.Message);
        Assert.Contains("soon", e.Message);
        Assert.Throws<SettingsException>(() => Load(null, new() { ["PCAPSTREAM_CAPTURE_DIRECTORY_FORMAT"] = "%Y/$(reboot)" }));
    }

    [Fact]
    public void Passwords_come_from_the_environment_or_a_file_never_the_settings_file()
    {
        string bad = Write("bad.yaml", "elasticsearch:\n  password: hunter2\n");
        var e = Assert.Throws<SettingsException>(() => Load(bad));
        Assert.Contains("PCAPSTREAM_ELASTICSEARCH_PASSWORD", e.Message);

        string secret = Write("es.secret", "s3cret\n");
        string good = Write("good.yaml", $"elasticsearch:\n  url: https://es:9200\n  passwordFile: {secret}\n");
        Assert.Equal("s3cret", Load(good).Elasticsearch.Password);
        Assert.Equal("fromenv", Load(good, new() { ["PCAPSTREAM_ELASTICSEARCH_PASSWORD"] = "fromenv" }).Elasticsearch.Password);
    }

    [Fact]
    public void Every_key_has_a_distinct_environment_variable()
    {
        var seen = new HashSet<string>();
        foreach (SettingKey k in SettingKeys.All)
        {
            Assert.True(seen.Add(k.EnvironmentVariable), k.EnvironmentVariable);
        }
        Assert.Equal("PCAPSTREAM_CAPTURE_ROTATE_MEGABYTES", SettingKey.ToEnvironmentName("capture.rotateMegabytes"));
    }
}
