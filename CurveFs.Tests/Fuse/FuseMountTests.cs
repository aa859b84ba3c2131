using System.Security.Cryptography;
using CurveFs.Common.Fs;
using CurveFs.Mount.Fuse;
using Microsoft.Extensions.Logging;
using Xunit;

namespace CurveFs.Tests.Fuse;

/// <summary>
/// Real syscalls against a real FUSE mount of the in-memory test VFS. The suite runs twice: once with a
/// VFS whose calls complete synchronously (replies on the FUSE thread) and once with one that completes
/// on the thread pool (replies from continuations). Each test works in its own subdirectory.
/// </summary>
public abstract unsafe class FuseMountTests(FuseMountFixture fixture)
{
    private string NewDir([System.Runtime.CompilerServices.CallerMemberName] string name = "")
    {
        string dir = fixture.PathOf(name);
        Directory.CreateDirectory(dir);
        return dir;
    }

    [Fact]
    [Trait("Category", "Integration")]
    public void CreateWriteRead_LargeFile_RoundTrips()
    {
        string path = Path.Combine(NewDir(), "data.bin");
        byte[] data = RandomNumberGenerator.GetBytes(3 * 1024 * 1024 + 123);

        using (var stream = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 0))
        {
            for (int offset = 0; offset < data.Length; offset += 1 << 20)
                stream.Write(data, offset, Math.Min(1 << 20, data.Length - offset));
        }

        Assert.Equal(data.Length, new FileInfo(path).Length);
        Assert.Equal(data, File.ReadAllBytes(path));
    }

    [Fact]
    [Trait("Category", "Integration")]
    public void ReadDir_ThousandEntries_PagesAcrossSeveralCalls()
    {
        string dir = Path.Combine(NewDir(), "many");
        Directory.CreateDirectory(dir);
        for (int i = 0; i < 1000; i++)
            File.Create(Path.Combine(dir, $"entry-{i:D4}")).Dispose();
        ulong dirIno = Stat(dir).Ino;
        int callsBefore = fixture.Vfs.ReadDirCalls.GetValueOrDefault(dirIno);

        string[] names = Directory.GetFileSystemEntries(dir).Select(Path.GetFileName).ToArray()!;

        Assert.Equal(1000, names.Length);
        Assert.Equal(Enumerable.Range(0, 1000).Select(i => $"entry-{i:D4}"), names.Order(StringComparer.Ordinal));
        Assert.True(fixture.Vfs.ReadDirCalls[dirIno] - callsBefore >= 3, "1,000 entries should take several readdir calls");
        Assert.Equal(0, fixture.Vfs.ForgetUnderflows);
    }

    [Fact]
    [Trait("Category", "Integration")]
    public void ReadDirPlus_LookupCounts_BalanceWithForgetsAfterUnlink()
    {
        string dir = Path.Combine(NewDir(), "counted");
        Directory.CreateDirectory(dir);
        string[] paths = Enumerable.Range(0, 200).Select(i => Path.Combine(dir, $"f{i:D3}")).ToArray();
        foreach (string path in paths) File.Create(path).Dispose();
        ulong[] inodes = paths.Select(p => Stat(p).Ino).ToArray();
        ulong dirIno = Stat(dir).Ino;

        Assert.Equal(200, Directory.GetFiles(dir).Length);
        Assert.True(fixture.Vfs.ReadDirPlusCalls.GetValueOrDefault(dirIno) > 0, "the first listing should use readdirplus");
        Assert.All(inodes, ino => Assert.True(fixture.Vfs.LookupCount(ino) >= 2, "create and readdirplus each count a lookup"));

        // Unlinked and closed, each inode is evicted and forgotten with every lookup the kernel counted.
        foreach (string path in paths) File.Delete(path);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(5);
        while (inodes.Any(ino => fixture.Vfs.LookupCount(ino) != 0) && DateTime.UtcNow < deadline) Thread.Sleep(10);

        Assert.All(inodes, ino => Assert.Equal(0, fixture.Vfs.LookupCount(ino)));
        Assert.Equal(0, fixture.Vfs.ForgetUnderflows);
    }

    [Fact]
    [Trait("Category", "Integration")]
    public void Mkdir_Rmdir_NonEmptyFailsThenSucceeds()
    {
        string dir = Path.Combine(NewDir(), "sub");
        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(dir, "f"), "x");

        Assert.Throws<IOException>(() => Directory.Delete(dir));
        File.Delete(Path.Combine(dir, "f"));
        Directory.Delete(dir);

        Assert.False(Directory.Exists(dir));
    }

    [Fact]
    [Trait("Category", "Integration")]
    public void RenameNoReplace_ExistingTarget_ReturnsEexist()
    {
        string dir = NewDir();
        File.WriteAllText(Path.Combine(dir, "a"), "a");
        File.WriteAllText(Path.Combine(dir, "b"), "b");

        int rc = Libc.renameat2(Libc.AtFdCwd, Path.Combine(dir, "a"), Libc.AtFdCwd, Path.Combine(dir, "b"), Libc.RenameNoReplace);

        Assert.Equal(-1, rc);
        Assert.Equal((int)Errno.EEXIST, Libc.Errno);
        Assert.Equal("b", File.ReadAllText(Path.Combine(dir, "b")));
    }

    [Fact]
    [Trait("Category", "Integration")]
    public void RenameFlags_ReachTheVfs()
    {
        string dir = NewDir();
        File.WriteAllText(Path.Combine(dir, "a"), "a");
        File.WriteAllText(Path.Combine(dir, "b"), "b");

        Assert.Equal(0, Libc.renameat2(Libc.AtFdCwd, Path.Combine(dir, "a"), Libc.AtFdCwd, Path.Combine(dir, "c"), Libc.RenameNoReplace));
        Assert.Contains(Libc.RenameNoReplace, fixture.Vfs.RenameFlags);
        Assert.Equal(0, Libc.renameat2(Libc.AtFdCwd, Path.Combine(dir, "b"), Libc.AtFdCwd, Path.Combine(dir, "c"), Libc.RenameExchange));
        Assert.Contains(Libc.RenameExchange, fixture.Vfs.RenameFlags);

        Assert.Equal("b", File.ReadAllText(Path.Combine(dir, "c")));
        Assert.Equal("a", File.ReadAllText(Path.Combine(dir, "b")));
    }

    [Fact]
    [Trait("Category", "Integration")]
    public void Unlink_RemovesTheEntry()
    {
        string path = Path.Combine(NewDir(), "gone");
        File.WriteAllText(path, "x");

        File.Delete(path);

        Assert.False(File.Exists(path));
        Assert.Equal(-1, StatErrno(path, out int errno));
        Assert.Equal((int)Errno.ENOENT, errno);
    }

    [Fact]
    [Trait("Category", "Integration")]
    public void Symlink_ReadLink_ReturnsTarget()
    {
        string dir = NewDir();
        string link = Path.Combine(dir, "link");
        File.WriteAllText(Path.Combine(dir, "target"), "through the link");

        File.CreateSymbolicLink(link, "target");

        Assert.Equal("target", new FileInfo(link).LinkTarget);
        Assert.Equal("through the link", File.ReadAllText(link));
    }

    [Fact]
    [Trait("Category", "Integration")]
    public void HardLink_SharesTheInode()
    {
        string dir = NewDir();
        string first = Path.Combine(dir, "first");
        File.WriteAllText(first, "shared");

        Assert.Equal(0, Libc.link(first, Path.Combine(dir, "second")));

        Assert.Equal(Stat(first).Ino, Stat(Path.Combine(dir, "second")).Ino);
        Assert.Equal(2ul, Stat(first).Nlink);
    }

    [Fact]
    [Trait("Category", "Integration")]
    public void Xattr_SetGetListRemove_WithSizeQueryAndErange()
    {
        string path = Path.Combine(NewDir(), "x");
        File.WriteAllText(path, "");
        byte[] value = "hello xattr"u8.ToArray();

        fixed (byte* v = value)
            Assert.Equal(0, Libc.setxattr(path, "user.greeting", v, (nuint)value.Length, 0));

        Assert.Equal(value.Length, (int)Libc.getxattr(path, "user.greeting", null, 0));
        byte* small = stackalloc byte[4];
        Assert.Equal(-1, (int)Libc.getxattr(path, "user.greeting", small, 4));
        Assert.Equal((int)Errno.ERANGE, Libc.Errno);
        byte* buffer = stackalloc byte[64];
        int n = (int)Libc.getxattr(path, "user.greeting", buffer, 64);
        Assert.Equal(value, new ReadOnlySpan<byte>(buffer, n).ToArray());

        byte[] expectedList = "user.greeting\0"u8.ToArray();
        Assert.Equal(expectedList.Length, (int)Libc.listxattr(path, null, 0));
        Assert.Equal(-1, (int)Libc.listxattr(path, small, 4));
        Assert.Equal((int)Errno.ERANGE, Libc.Errno);
        n = (int)Libc.listxattr(path, buffer, 64);
        Assert.Equal(expectedList, new ReadOnlySpan<byte>(buffer, n).ToArray());

        Assert.Equal(0, Libc.removexattr(path, "user.greeting"));
        Assert.Equal(-1, (int)Libc.getxattr(path, "user.greeting", null, 0));
        Assert.Equal((int)Errno.ENODATA, Libc.Errno);
    }

    [Fact]
    [Trait("Category", "Integration")]
    public void StatFs_ReturnsTheVfsFigures()
    {
        NativeStatVfs st;
        Assert.Equal(0, Libc.statvfs(fixture.Root, &st));

        var expected = InMemoryTestVfs.StatFsFigures;
        Assert.Equal(expected.BlockSize, st.Bsize);
        Assert.Equal(expected.Blocks, st.Blocks);
        Assert.Equal(expected.BlocksFree, st.Bfree);
        Assert.Equal(expected.BlocksAvailable, st.Bavail);
        Assert.Equal(expected.Files, st.Files);
        Assert.Equal(expected.FilesFree, st.Ffree);
        Assert.Equal(expected.NameMax, st.Namemax);
    }

    [Fact]
    [Trait("Category", "Integration")]
    public void LongName_VfsSaysEnametoolong_CallerGetsIt()
    {
        string path = Path.Combine(NewDir(), new string('n', 256));

        int fd = Libc.open(path, Libc.OCreat | Libc.OWrOnly, 0x1A4);

        Assert.Equal(-1, fd);
        Assert.Equal((int)Errno.ENAMETOOLONG, Libc.Errno);
    }

    [Fact]
    [Trait("Category", "Integration")]
    public void VfsThrows_CallerGetsEio_LogNamesOpAndInode_MountKeepsServing()
    {
        string dir = NewDir();
        ulong dirIno = Stat(dir).Ino;
        fixture.Vfs.Fault = (op, name) => name == "boom" ? new InvalidOperationException("injected failure") : null;
        try
        {
            Assert.Equal(-1, StatErrno(Path.Combine(dir, "boom"), out int errno));
            Assert.Equal((int)Errno.EIO, errno);
        }
        finally
        {
            fixture.Vfs.Fault = null;
        }

        Assert.Contains(fixture.Logger.Lines, line => line.Level == LogLevel.Error
            && line.Exception?.Message == "injected failure"
            && line.Message.Contains("lookup") && line.Message.Contains($"inode {dirIno}"));
        File.WriteAllText(Path.Combine(dir, "after"), "still serving");
        Assert.Equal("still serving", File.ReadAllText(Path.Combine(dir, "after")));
    }

    [Fact]
    [Trait("Category", "Integration")]
    public void VfsThrowsFsException_CallerGetsItsErrno()
    {
        string dir = NewDir();
        fixture.Vfs.Fault = (op, name) => op == "mkdir" && name == "full" ? new FsException(Errno.ENOSPC) : null;
        try
        {
            var ex = Assert.ThrowsAny<IOException>(() => Directory.CreateDirectory(Path.Combine(dir, "full")));
            Assert.Equal((int)Errno.ENOSPC, ex.HResult & 0xFFFF);
        }
        finally
        {
            fixture.Vfs.Fault = null;
        }
    }

    [Fact]
    [Trait("Category", "Integration")]
    public void Ftruncate_PassesTheOpenHandle()
    {
        string path = Path.Combine(NewDir(), "trunc");
        File.WriteAllBytes(path, new byte[1000]);
        ulong ino = Stat(path).Ino;

        using (var stream = new FileStream(path, FileMode.Open, FileAccess.ReadWrite))
        {
            ulong handle = fixture.Vfs.Opens.Last(o => o.Ino == ino).Handle;
            stream.SetLength(10);

            var (_, request) = fixture.Vfs.SetAttrs.Last(s => s.Ino == ino);
            Assert.True(request.Fields.HasFlag(CurveFs.Common.Meta.AttrFields.Size));
            Assert.Equal(10ul, request.Size);
            Assert.Equal(handle, request.Handle);
        }
        Assert.Equal(10, new FileInfo(path).Length);
    }

    [Fact]
    [Trait("Category", "Integration")]
    public void Utimensat_Nanoseconds_RoundTrip()
    {
        string path = Path.Combine(NewDir(), "times");
        File.WriteAllText(path, "");
        Timespec* times = stackalloc Timespec[2];
        times[0] = new Timespec { Sec = 1_600_000_000, Nsec = 123_456_789 };
        times[1] = new Timespec { Sec = 1_700_000_000, Nsec = 987_654_321 };

        Assert.Equal(0, Libc.utimensat(Libc.AtFdCwd, path, times, 0));

        NativeStat st = Stat(path);
        Assert.Equal(1_600_000_000, st.Atime.Sec);
        Assert.Equal(123_456_789, st.Atime.Nsec);
        Assert.Equal(1_700_000_000, st.Mtime.Sec);
        Assert.Equal(987_654_321, st.Mtime.Nsec);
        var (_, request) = fixture.Vfs.SetAttrs.Last(s => s.Ino == st.Ino);
        Assert.Equal(1_700_000_000_987_654_321, request.MtimeNs);
    }

    private static NativeStat Stat(string path)
    {
        NativeStat st;
        if (Libc.stat(path, &st) != 0) throw new IOException($"stat {path}: errno {Libc.Errno}");
        return st;
    }

    private static int StatErrno(string path, out int errno)
    {
        NativeStat st;
        int rc = Libc.stat(path, &st);
        errno = rc == 0 ? 0 : Libc.Errno;
        return rc;
    }
}

[Collection("fuse-sync")]
public sealed class FuseMountSyncVfsTests(SyncVfsMountFixture fixture) : FuseMountTests(fixture), IClassFixture<SyncVfsMountFixture>;

[Collection("fuse-async")]
public sealed class FuseMountAsyncVfsTests(AsyncVfsMountFixture fixture) : FuseMountTests(fixture), IClassFixture<AsyncVfsMountFixture>;
