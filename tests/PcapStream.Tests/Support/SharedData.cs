namespace PcapStream.Tests.Support;

/// <summary>
/// Finds the third-party test data in <c>../shared</c> (beside the checkout; CI has it there). Tests that need it
/// call <see cref="RequireDir"/>, which skips the test with a clear message when it is absent.
/// Never copy these files into the repository.
/// </summary>
public static class SharedData
{
    private static readonly Lazy<string?> Root = new(Find);

    /// <summary>The shared folder, or null when it is not beside this checkout (or any folder above it).</summary>
    public static string? RootOrNull => Root.Value;

    /// <summary>Absolute path of <paramref name="relative"/> under shared/, skipping the test when it is missing.</summary>
    public static string Require(string relative)
    {
        string? root = Root.Value;
        if (root is null)
        {
            Assert.Skip("../shared (the third-party capture corpus) is not present beside this checkout; set PCAPSTREAM_SHARED to its path to run this test.");
        }
        string path = Path.Combine(root, relative);
        if (!File.Exists(path) && !Directory.Exists(path))
        {
            Assert.Skip($"shared data '{relative}' is not present under {root}.");
        }
        return path;
    }

    private static string? Find()
    {
        string? env = Environment.GetEnvironmentVariable("PCAPSTREAM_SHARED");
        if (!string.IsNullOrEmpty(env) && Directory.Exists(env))
        {
            return Path.GetFullPath(env);
        }
        // Walk up from the test binaries: <checkout>/tests/X/bin/... -> <checkout>/.. holds shared/.
        for (DirectoryInfo? dir = new(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            string candidate = Path.Combine(dir.FullName, "shared");
            if (Directory.Exists(Path.Combine(candidate, "pcaps")))
            {
                return candidate;
            }
        }
        return null;
    }
}
