using System.Runtime.InteropServices;

namespace PcapStream.Capture;

/// <summary>The few libc calls .NET has no API for: sending signals other than SIGKILL, the effective uid.</summary>
internal static partial class Native
{
    /// <summary>Linux signal numbers (x86-64 and arm64 agree on these).</summary>
    public const int SigInt = 2, SigKill = 9, SigUsr1 = 10, SigTerm = 15;

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int KillNative(int pid, int signal);

    [LibraryImport("libc", EntryPoint = "geteuid")]
    private static partial uint GetEuidNative();

    /// <summary>Sends <paramref name="signal"/>; false when the process is gone.</summary>
    public static bool Kill(int pid, int signal) => KillNative(pid, signal) == 0;

    /// <summary>True when this process runs as root.</summary>
    public static bool IsRoot => GetEuidNative() == 0;
}
