namespace PcapStream.Tests.Streaming;

/// <summary>A scratch folder removed at the end of the test.</summary>
internal sealed class TestDirs : IDisposable
{
    public TestDirs(string name)
    {
        Root = Path.Combine(Path.GetTempPath(), "pcapstream-tests", name + "-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(Root);
    }

    public string Root { get; }

    public string Sub(string name) => Path.Combine(Root, name);

    public void Dispose()
    {
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
