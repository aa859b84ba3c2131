using System.Runtime.InteropServices;

namespace CurveFs.Common.Fs;

/// <summary>fsync of a directory, which makes a rename inside it durable, and syncfs of the filesystem
/// under a directory. .NET has no API for these, so on Linux it calls open(O_RDONLY | O_DIRECTORY) and
/// fsync or syncfs directly. Elsewhere it does nothing.</summary>
public static partial class DirectorySync
{
    private const int EINTR = 4;
    private const int O_RDONLY = 0;
    private const int O_CLOEXEC = 0x80000;

    // O_DIRECTORY differs between Linux architectures: 0200000 on x86 and most others, 040000 on ARM.
    private static int O_DIRECTORY =>
        RuntimeInformation.ProcessArchitecture is Architecture.Arm or Architecture.Arm64 ? 0x4000 : 0x10000;

    /// <summary>Flushes the directory entry table of <paramref name="directory"/> to disk.</summary>
    /// <exception cref="IOException">open or fsync failed; the message carries the errno text.</exception>
    public static void Fsync(string directory) => CallOnDirectory(directory, "fsync", FSync);

    /// <summary>syncfs(2): flushes everything written to the filesystem holding <paramref name="directory"/>
    /// (file data, directory entries, renames) to disk, in one call however many files changed.</summary>
    /// <exception cref="IOException">open or syncfs failed; the message carries the errno text.</exception>
    public static void SyncFilesystem(string directory) => CallOnDirectory(directory, "syncfs", SyncFs);

    private static void CallOnDirectory(string directory, string name, Func<int, int> call)
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }
        int fd;
        do
        {
            fd = Open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        }
        while (fd < 0 && Marshal.GetLastPInvokeError() == EINTR);
        if (fd < 0)
        {
            throw Failure("open", directory);
        }
        try
        {
            int result;
            do
            {
                result = call(fd);
            }
            while (result < 0 && Marshal.GetLastPInvokeError() == EINTR);
            if (result < 0)
            {
                throw Failure(name, directory);
            }
        }
        finally
        {
            _ = Close(fd);
        }
    }

    private static IOException Failure(string call, string directory)
    {
        int errno = Marshal.GetLastPInvokeError();
        return new IOException(
            $"{call} of directory {directory} failed: {Marshal.GetPInvokeErrorMessage(errno)} (errno {errno})");
    }

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static partial int FSync(int fd);

    [LibraryImport("libc", EntryPoint = "syncfs", SetLastError = true)]
    private static partial int SyncFs(int fd);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    private static partial int Close(int fd);
}
