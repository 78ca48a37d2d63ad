using System.Runtime.InteropServices;

namespace PcapStream.Streaming;

/// <summary>
/// fsync of a folder. A rename is durable only once the folder holding the new name is flushed: without it a power
/// loss after the commit file was "written" can leave the commit (or a part file it lists) missing, which is the
/// exactly-once protocol's one unforgivable failure. .NET has no API for it (a folder cannot be opened as a
/// FileStream), so this calls open(2)/fsync(2) on Linux; elsewhere it does nothing.
/// </summary>
internal static partial class DirectorySync
{
    private const int ReadOnly = 0;          // O_RDONLY
    private const int Directory = 0x10000;   // O_DIRECTORY (Linux x86-64 and arm64)
    private const int CloseOnExec = 0x80000; // O_CLOEXEC

    /// <summary>Flushes <paramref name="directory"/>'s entries (new names, renames, deletions) to disk.</summary>
    /// <exception cref="IOException">The folder cannot be opened or flushed (the message carries errno's text).</exception>
    public static void Flush(string directory)
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }
        int fd = Open(directory, ReadOnly | Directory | CloseOnExec);
        if (fd < 0)
        {
            throw Error("open", directory);
        }
        try
        {
            // EINVAL: the filesystem does not support syncing folders (some FUSE mounts); nothing more can be done.
            if (Fsync(fd) != 0 && Marshal.GetLastPInvokeError() != 22)
            {
                throw Error("fsync", directory);
            }
        }
        finally
        {
            _ = Close(fd);
        }
    }

    private static IOException Error(string call, string directory) =>
        new($"{call} of folder '{directory}' failed: {Marshal.GetLastPInvokeErrorMessage()}");

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static partial int Fsync(int fd);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    private static partial int Close(int fd);
}
