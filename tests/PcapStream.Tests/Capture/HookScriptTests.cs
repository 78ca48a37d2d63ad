using System.Diagnostics;
using PcapStream.Capture;

namespace PcapStream.Tests.Capture;

public sealed class HookScriptTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("pcapstream-hook-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string RunHook(string hook, string hiddenName, string content = "data")
    {
        string hidden = Path.Combine(_dir, hiddenName);
        File.WriteAllText(hidden, content);
        var psi = new ProcessStartInfo("/bin/sh") { RedirectStandardError = true };
        psi.ArgumentList.Add(hook);
        psi.ArgumentList.Add(hidden);
        using Process p = Process.Start(psi)!;
        string err = p.StandardError.ReadToEnd();
        p.WaitForExit();
        Assert.True(p.ExitCode == 0, err);
        return err;
    }

    [Theory]
    [InlineData(".dump-20261126-235950.pcap", "%Y/%m/%d", false)]
    [InlineData(".dump-20261126-235950.pcap", "%Y/%m/%d", true)]
    [InlineData(".dump-20270101-000010.pcap12", "%Y/%m/%d", true)]
    [InlineData(".dump-20261126-141500.pcap3", "year=%Y/month=%m/day=%d/hour=%H", true)]
    [InlineData(".dump-20261126-141500.pcap", "", false)]
    public void The_shell_hook_moves_files_exactly_where_the_csharp_naming_says(string hiddenName, string format, bool parts)
    {
        string hook = HookScript.Write(_dir, "dump", format, parts);
        string expected = CaptureNaming.VisiblePath(Path.Combine(_dir, hiddenName), "dump", format, parts)!;
        RunHook(hook, hiddenName, "packets");

        Assert.False(File.Exists(Path.Combine(_dir, hiddenName)));
        Assert.Equal("packets", File.ReadAllText(expected));
        Assert.Equal(expected + "\n", File.ReadAllText(Path.Combine(_dir, CaptureNaming.FinishedLogName)));
    }

    [Fact]
    public void A_file_opened_before_midnight_stays_in_that_days_folder()
    {
        string path = CaptureNaming.VisiblePath(Path.Combine(_dir, ".dump-20261231-235959.pcap"), "dump", "%Y/%m/%d", false)!;
        Assert.Equal(Path.Combine(_dir, "2026/12/31/dump-20261231-235959.pcap"), path);
    }

    [Fact]
    public void A_finished_file_is_never_overwritten_by_a_later_one_with_the_same_name()
    {
        string hook = HookScript.Write(_dir, "dump", "%Y/%m/%d", false);
        RunHook(hook, ".dump-20261126-141500.pcap", "first");
        RunHook(hook, ".dump-20261126-141500.pcap", "second");
        Assert.Equal("first", File.ReadAllText(Path.Combine(_dir, "2026/11/26/dump-20261126-141500.pcap")));
        Assert.Equal("second", File.ReadAllText(Path.Combine(_dir, "2026/11/26/dump-20261126-141500.1.pcap")));
    }

    [Fact]
    public void A_file_already_finalised_by_someone_else_is_not_an_error()
    {
        string hook = HookScript.Write(_dir, "dump", "%Y/%m/%d", false);
        var psi = new ProcessStartInfo("/bin/sh", [hook, Path.Combine(_dir, ".dump-20261126-141500.pcap")]);
        using Process p = Process.Start(psi)!;
        p.WaitForExit();
        Assert.Equal(0, p.ExitCode);
    }

    [Theory]
    [InlineData(".dump-20261126-141500.pcap", true)]
    [InlineData(".dump-20261126-141500.pcap7", true)]
    [InlineData(".pcapstream-hook.sh", false)]
    [InlineData(".dump-2026112-141500.pcap", false)]
    [InlineData("dump-20261126-141500.pcap", false)]
    [InlineData(".dump-20261326-141500.pcap", false)]
    public void Only_tcpdumps_hidden_names_are_recognised(string name, bool ours) =>
        Assert.Equal(ours, CaptureNaming.TryParseHidden(name, "dump", out _, out _));
}
