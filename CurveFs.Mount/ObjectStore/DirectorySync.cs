using System.Runtime.InteropServices;

namespace CurveFs.Mount.ObjectStore;

/// <summary>
/// fsync of a directory, which makes a rename or a new entry in it survive a crash. .NET cannot open a
/// directory as a file on Unix, so this goes to libc. Windows has no such step (its renames are journaled).
/// </summary>
internal static partial class DirectorySync
{
    private const int ORdOnly = 0;
    private const int EIntr = 4;
    private const int EInval = 22;

    public static void Fsync(string directory)
    {
        if (OperatingSystem.IsWindows()) return;
        int fd;
        do fd = Open(directory, ORdOnly);
        while (fd < 0 && Marshal.GetLastPInvokeError() == EIntr);
        if (fd < 0) throw new IOException($"cannot open directory '{directory}' to fsync it: errno {Marshal.GetLastPInvokeError()}");
        try
        {
            if (FsyncFd(fd) != 0)
            {
                int errno = Marshal.GetLastPInvokeError();
                // Some filesystems refuse fsync on a directory (EINVAL): there is nothing more to make durable then.
                if (errno != EInval) throw new IOException($"fsync of directory '{directory}' failed: errno {errno}");
            }
        }
        finally
        {
            _ = Close(fd);
        }
    }

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static partial int FsyncFd(int fd);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    private static partial int Close(int fd);
}
