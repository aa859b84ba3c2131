using System.Runtime.InteropServices;
using System.Text;

namespace CurveFs.Tests.Integration;

/// <summary>struct stat on x86_64 Linux (144 bytes).</summary>
[StructLayout(LayoutKind.Explicit, Size = 144)]
public struct StatBuf
{
    [FieldOffset(0)] public ulong Dev;
    [FieldOffset(8)] public ulong Ino;
    [FieldOffset(16)] public ulong Nlink;
    [FieldOffset(24)] public uint Mode;
    [FieldOffset(28)] public uint Uid;
    [FieldOffset(32)] public uint Gid;
    [FieldOffset(40)] public ulong Rdev;
    [FieldOffset(48)] public long Size;
    [FieldOffset(56)] public long BlockSize;
    [FieldOffset(64)] public long Blocks;
    [FieldOffset(72)] public long AtimeSec;
    [FieldOffset(80)] public long AtimeNsec;
    [FieldOffset(88)] public long MtimeSec;
    [FieldOffset(96)] public long MtimeNsec;
    [FieldOffset(104)] public long CtimeSec;
    [FieldOffset(112)] public long CtimeNsec;
}

/// <summary>libc calls that report errno, for tests that compare errors exactly. Each returns 0 or the errno.</summary>
public static unsafe partial class Posix
{
    public const int ENOENT = 2, EACCES = 13, EEXIST = 17, ENOTDIR = 20, EISDIR = 21, EINVAL = 22, ENAMETOOLONG = 36, ENOTEMPTY = 39, ENODATA = 61;
    public const int OWriteOnly = 1, OReadWrite = 2, OCreate = 0x40, OExclusive = 0x80, OTruncate = 0x200, OAppend = 0x400;

    private static int Errno(long rc) => rc < 0 ? Marshal.GetLastPInvokeError() : 0;

    public static int Open(string path, int flags, uint mode, out int fd)
    {
        fd = open(path, flags, mode);
        return Errno(fd);
    }

    public static int Close(int fd) => Errno(close(fd));

    public static int PWrite(int fd, ReadOnlySpan<byte> data, long offset)
    {
        fixed (byte* p = data)
        {
            var rc = pwrite(fd, p, (nuint)data.Length, offset);
            if (rc < 0) return Marshal.GetLastPInvokeError();
            return rc == data.Length ? 0 : -1;
        }
    }

    public static int Fsync(int fd) => Errno(fsync(fd));
    public static int Truncate(string path, long size) => Errno(truncate(path, size));
    public static int Rename(string from, string to, uint flags) => Errno(renameat2(-100, from, -100, to, flags));
    public static int Link(string existing, string created) => Errno(link(existing, created));
    public static int Unlink(string path) => Errno(unlink(path));
    public static int Mkdir(string path, uint mode) => Errno(mkdir(path, mode));
    public static int Rmdir(string path) => Errno(rmdir(path));
    public static int Chmod(string path, uint mode) => Errno(chmod(path, mode));
    public static int Symlink(string target, string path) => Errno(symlink(target, path));

    public static int SetXattr(string path, string name, ReadOnlySpan<byte> value, int flags)
    {
        fixed (byte* p = value) return Errno(setxattr(path, name, p, (nuint)value.Length, flags));
    }

    public static int RemoveXattr(string path, string name) => Errno(removexattr(path, name));

    public static int Lstat(string path, out StatBuf stat)
    {
        fixed (StatBuf* p = &stat) return Errno(lstat(path, p));
    }

    public static int Stat(string path, out StatBuf stat)
    {
        fixed (StatBuf* p = &stat) return Errno(statfn(path, p));
    }

    /// <summary>user.* attribute names and values of a path (not following symlinks), sorted.</summary>
    public static SortedDictionary<string, string> Xattrs(string path)
    {
        var result = new SortedDictionary<string, string>(StringComparer.Ordinal);
        var list = new byte[65536];
        nint length;
        fixed (byte* p = list) length = llistxattr(path, p, (nuint)list.Length);
        if (length <= 0) return result;
        foreach (var name in Encoding.UTF8.GetString(list, 0, (int)length).Split('\0', StringSplitOptions.RemoveEmptyEntries))
        {
            var value = new byte[65536];
            nint n;
            fixed (byte* v = value) n = lgetxattr(path, name, v, (nuint)value.Length);
            result[name] = n < 0 ? $"errno {Marshal.GetLastPInvokeError()}" : Convert.ToHexString(value, 0, (int)n);
        }
        return result;
    }

    public static string? ReadLink(string path)
    {
        var buffer = new byte[4096];
        nint n;
        fixed (byte* p = buffer) n = readlink(path, p, (nuint)buffer.Length);
        return n < 0 ? null : Encoding.UTF8.GetString(buffer, 0, (int)n);
    }

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)] private static partial int open(string path, int flags, uint mode);
    [LibraryImport("libc", SetLastError = true)] private static partial int close(int fd);
    [LibraryImport("libc", SetLastError = true)] private static partial nint pwrite(int fd, byte* buf, nuint count, long offset);
    [LibraryImport("libc", SetLastError = true)] private static partial int fsync(int fd);
    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)] private static partial int truncate(string path, long length);
    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)] private static partial int renameat2(int olddirfd, string oldpath, int newdirfd, string newpath, uint flags);
    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)] private static partial int link(string oldpath, string newpath);
    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)] private static partial int unlink(string path);
    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)] private static partial int mkdir(string path, uint mode);
    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)] private static partial int rmdir(string path);
    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)] private static partial int chmod(string path, uint mode);
    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)] private static partial int symlink(string target, string linkpath);
    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)] private static partial int setxattr(string path, string name, byte* value, nuint size, int flags);
    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)] private static partial int removexattr(string path, string name);
    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)] private static partial nint llistxattr(string path, byte* list, nuint size);
    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)] private static partial nint lgetxattr(string path, string name, byte* value, nuint size);
    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)] private static partial int lstat(string path, StatBuf* buf);
    [LibraryImport("libc", EntryPoint = "stat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)] private static partial int statfn(string path, StatBuf* buf);
    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)] private static partial nint readlink(string path, byte* buf, nuint size);
}
