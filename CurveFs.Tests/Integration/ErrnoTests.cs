namespace CurveFs.Tests.Integration;

/// <summary>The errnos applications see for the classic mistakes, through the real mount.</summary>
public abstract class ErrnoTests(IMountProvider mount)
{
    [Fact]
    public void NameOf256Bytes_GivesEnametoolong_255Works()
    {
        var dir = mount.NewDir("errno");
        Assert.Equal(Posix.ENAMETOOLONG, Posix.Mkdir(Path.Combine(dir, new string('x', 256)), 0x1ED));
        Assert.Equal(Posix.ENAMETOOLONG, Posix.Open(Path.Combine(dir, new string('y', 256)), Posix.OCreate | Posix.OWriteOnly, 0x1A4, out _));
        Assert.Equal(0, Posix.Mkdir(Path.Combine(dir, new string('x', 255)), 0x1ED));
    }

    [Fact]
    public void RmdirOfNonEmpty_GivesEnotempty()
    {
        var dir = mount.NewDir("errno");
        Directory.CreateDirectory(Path.Combine(dir, "d"));
        File.WriteAllText(Path.Combine(dir, "d", "f"), "x");
        Assert.Equal(Posix.ENOTEMPTY, Posix.Rmdir(Path.Combine(dir, "d")));
    }

    [Fact]
    public void UnlinkOfDirectory_GivesEisdir()
    {
        var dir = mount.NewDir("errno");
        Directory.CreateDirectory(Path.Combine(dir, "d"));
        Assert.Equal(Posix.EISDIR, Posix.Unlink(Path.Combine(dir, "d")));
    }

    [Fact]
    public void OpenOfMissingFile_GivesEnoent()
    {
        var dir = mount.NewDir("errno");
        Assert.Equal(Posix.ENOENT, Posix.Open(Path.Combine(dir, "missing"), 0, 0, out _));
        Assert.Equal(Posix.ENOENT, Posix.Open(Path.Combine(dir, "no", "such"), Posix.OCreate | Posix.OWriteOnly, 0x1A4, out _));
        File.WriteAllText(Path.Combine(dir, "file"), "x");
        Assert.Equal(Posix.ENOTDIR, Posix.Open(Path.Combine(dir, "file", "y"), 0, 0, out _));
    }

    [Fact]
    public void NonRootUser_CannotWriteARootFile644_ButCanReadIt()
    {
        var dir = mount.NewDir("perm");
        Shell.Ok($"chmod 755 '{dir}'; echo secret > '{dir}/f'; chmod 644 '{dir}/f'; chown root:root '{dir}/f'");
        var read = Shell.Run($"setpriv --reuid=65534 --regid=65534 --clear-groups cat '{dir}/f'");
        Assert.True(read.ExitCode == 0 && read.Stdout.Trim() == "secret", $"nobody could not read a 0644 file: {read}");
        var write = Shell.Run($"setpriv --reuid=65534 --regid=65534 --clear-groups sh -c 'echo evil >> \"{dir}/f\"'");
        Assert.NotEqual(0, write.ExitCode);
        Assert.Contains("Permission denied", write.Stderr);
        var create = Shell.Run($"setpriv --reuid=65534 --regid=65534 --clear-groups touch '{dir}/new'");
        Assert.NotEqual(0, create.ExitCode);
        Assert.Equal("secret\n", File.ReadAllText(Path.Combine(dir, "f")));
        // A directory of nobody's: nobody may write there, and root's sticky /tmp rules apply
        Shell.Ok($"mkdir -m 1777 '{dir}/tmp'; echo mine > '{dir}/tmp/rootfile'");
        var delete = Shell.Run($"setpriv --reuid=65534 --regid=65534 --clear-groups rm -f '{dir}/tmp/rootfile'");
        Assert.NotEqual(0, delete.ExitCode);
        Shell.Ok($"setpriv --reuid=65534 --regid=65534 --clear-groups sh -c 'echo x > \"{dir}/tmp/nobodys\" && rm \"{dir}/tmp/nobodys\"'");
    }
}

[Collection("Integration")]
[Trait("Category", "Integration")]
public sealed class EmbeddedErrnoTests(MountFixture mount) : ErrnoTests(mount), IClassFixture<MountFixture>;

/// <summary>The same tests on a mount of a 3-replica metaserver cluster.</summary>
[Collection("Integration")]
[Trait("Category", "Integration")]
public sealed class ClusterErrnoTests(ClusterMountFixture mount) : ErrnoTests(mount), IClassFixture<ClusterMountFixture>;
