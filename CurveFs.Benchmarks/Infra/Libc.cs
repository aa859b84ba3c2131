using System.Runtime.InteropServices;

namespace CurveFs.Benchmarks.Infra;

/// <summary>
/// The few system calls the small-file workload times. They go straight to libc: .NET's file APIs add an
/// fstat and a flock per open, which would be measured as filesystem time.
/// </summary>
public static partial class Libc
{
    public const int ReadOnly = 0x0;        // O_RDONLY
    public const int WriteOnly = 0x1;       // O_WRONLY
    public const int Create = 0x40;         // O_CREAT
    public const int Exclusive = 0x80;      // O_EXCL
    public const int CloseOnExec = 0x80000; // O_CLOEXEC

    [StructLayout(LayoutKind.Sequential, Size = 144)]
    public struct StatBuffer;

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int OpenNative(string path, int flags, uint mode);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    private static partial int CloseNative(int fd);

    [LibraryImport("libc", EntryPoint = "read", SetLastError = true)]
    private static unsafe partial nint ReadNative(int fd, byte* buffer, nuint count);

    [LibraryImport("libc", EntryPoint = "write", SetLastError = true)]
    private static unsafe partial nint WriteNative(int fd, byte* buffer, nuint count);

    [LibraryImport("libc", EntryPoint = "lstat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int LstatNative(string path, out StatBuffer buffer);

    [LibraryImport("libc", EntryPoint = "unlink", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int UnlinkNative(string path);

    [LibraryImport("libc", EntryPoint = "geteuid")]
    public static partial uint EffectiveUid();

    [LibraryImport("libc", EntryPoint = "sync")]
    private static partial void SyncNative();

    [LibraryImport("libc", EntryPoint = "sysconf")]
    private static partial long SysconfNative(int name);

    /// <summary>The unit of /proc/stat's CPU columns (sysconf(_SC_CLK_TCK), 100 on Linux).</summary>
    public static long ClockTicksPerSecond => SysconfNative(2 /* _SC_CLK_TCK */) is > 0 and var ticks ? ticks : 100;

    public static int Open(string path, int flags, uint mode = 0x1A4 /* 0644 */)
    {
        var fd = OpenNative(path, flags | CloseOnExec, mode);
        if (fd < 0) throw Failure("open", path);
        return fd;
    }

    public static void Close(int fd, string path)
    {
        if (CloseNative(fd) != 0) throw Failure("close", path);
    }

    /// <summary>Writes all of data (looping over short writes).</summary>
    public static unsafe void WriteAll(int fd, ReadOnlySpan<byte> data, string path)
    {
        fixed (byte* start = data)
        {
            var done = 0;
            while (done < data.Length)
            {
                var n = WriteNative(fd, start + done, (nuint)(data.Length - done));
                if (n < 0) throw Failure("write", path);
                done += (int)n;
            }
        }
    }

    /// <summary>Reads until end of file or until the buffer is full; returns the bytes read.</summary>
    public static unsafe int ReadAll(int fd, Span<byte> buffer, string path)
    {
        fixed (byte* start = buffer)
        {
            var done = 0;
            while (done < buffer.Length)
            {
                var n = ReadNative(fd, start + done, (nuint)(buffer.Length - done));
                if (n < 0) throw Failure("read", path);
                if (n == 0) break;
                done += (int)n;
            }
            return done;
        }
    }

    public static void Lstat(string path)
    {
        if (LstatNative(path, out _) != 0) throw Failure("stat", path);
    }

    public static void Unlink(string path)
    {
        if (UnlinkNative(path) != 0) throw Failure("unlink", path);
    }

    public static void Sync() => SyncNative();

    private static IOException Failure(string call, string path)
    {
        var errno = Marshal.GetLastPInvokeError();
        return new IOException($"{call} {path} failed: {Marshal.GetPInvokeErrorMessage(errno)} (errno {errno})");
    }
}
