using System.Security.Cryptography;

namespace CurveFs.Tests.Integration;

/// <summary>What was completed and fsynced survives unmount/remount and kill -9; the snapshot on disk verifies.</summary>
[Collection("Integration")]
[Trait("Category", "Integration")]
public sealed class PersistenceTests
{
    private static string Tree(string root) => Shell.Ok($"cd '{root}' && find . -printf '%p %y %m %s %n %l\\n' | sort && find . -type f -print0 | sort -z | xargs -0 -r sha256sum");

    [Fact]
    public void UnmountAndRemount_KeepsTreeAndData()
    {
        using var fs = new MountedFilesystem();
        Shell.Ok($"""
            cd '{fs.MountPoint}'
            mkdir -p a/b && echo hello > a/b/f && ln -s b a/link && ln a/b/f a/hard
            head -c 5000000 /dev/urandom > big && setfattr -n user.k -v v a/b/f && chmod 600 big
            cp -a /usr/include/linux/netfilter .
            """, timeout: TimeSpan.FromMinutes(3));
        var before = Tree(fs.MountPoint);
        fs.Remount();
        Assert.Equal(before, Tree(fs.MountPoint));
        Assert.Equal("v", Shell.Ok($"getfattr --only-values -n user.k '{fs.MountPoint}/a/b/f'"));
        fs.Remount();
        Assert.Equal(before, Tree(fs.MountPoint));
    }

    [Fact]
    public void Kill9_AfterFsync_KeepsFsyncedDataAndCompletedMetadata()
    {
        using var fs = new MountedFilesystem();
        var data = RandomNumberGenerator.GetBytes(3 << 20);
        using (var file = new FileStream(fs.PathOf("synced.bin"), FileMode.Create))
        {
            file.Write(data);
            file.Flush(flushToDisk: true);
        }
        Shell.Ok($"cd '{fs.MountPoint}' && mkdir -p dir/sub && touch dir/sub/x && mv dir moved && ln -s moved sl");
        // written and fsynced through dd, then the process is killed while the file is still open
        Shell.Ok($"dd if=/dev/urandom of='{fs.PathOf("dd.bin")}' bs=64k count=20 conv=fsync status=none && sha256sum '{fs.PathOf("dd.bin")}' | cut -d' ' -f1 > '{fs.DataDir}/../dd.sum'");
        fs.Kill9();
        fs.Mount();
        Assert.Equal(data, File.ReadAllBytes(fs.PathOf("synced.bin")));
        Assert.True(File.Exists(fs.PathOf("moved/sub/x")));
        Assert.False(Directory.Exists(fs.PathOf("dir")));
        Assert.Equal("moved", Posix.ReadLink(fs.PathOf("sl")));
        var expected = File.ReadAllText(Path.Combine(fs.DataDir, "..", "dd.sum")).Trim();
        Assert.Equal(expected, Shell.Ok($"sha256sum '{fs.PathOf("dd.bin")}' | cut -d' ' -f1").Trim());
    }

    [Fact]
    public void Kill9_WithAFileOpenForWriting_KeepsEverythingSyncedBeforeTheKill()
    {
        using var fs = new MountedFilesystem();
        var path = fs.PathOf("log.txt");
        var file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.ReadWrite);
        for (var i = 0; i < 50; i++)
        {
            file.Write(System.Text.Encoding.ASCII.GetBytes($"line {i}\n"));
            file.Flush(flushToDisk: true);
        }
        fs.Kill9();
        try { file.Dispose(); } catch (IOException) { } // the mount is gone under it
        fs.Mount();
        var lines = File.ReadAllLines(path);
        Assert.Equal(50, lines.Length);
        Assert.Equal("line 49", lines[^1]);
    }

    [Fact]
    public void SnapshotOnDisk_Verifies_AndAFlippedByteIsRejected()
    {
        using var fs = new MountedFilesystem();
        Shell.Ok($"cd '{fs.MountPoint}' && for i in $(seq 1 200); do echo $i > f$i; done && mkdir d && mv f1 d/");
        fs.Unmount();
        var snapshot = Path.Combine(fs.DataDir, "meta", "snapshot");
        Assert.True(File.Exists(snapshot), "a clean unmount leaves a snapshot");
        var ok = Shell.Run($"'{Binaries.MetaServer}' snapshot verify '{snapshot}'");
        Assert.True(ok.ExitCode == 0, ok.ToString());
        Assert.StartsWith("ok:", ok.Stdout);
        var dump = Shell.Ok($"'{Binaries.MetaServer}' snapshot dump --keys-only '{snapshot}' | grep -c '^3:' ");
        Assert.True(int.Parse(dump.Trim()) >= 201, dump);

        var copy = snapshot + ".flipped";
        var bytes = File.ReadAllBytes(snapshot);
        bytes[bytes.Length / 2] ^= 0x01;
        File.WriteAllBytes(copy, bytes);
        var bad = Shell.Run($"'{Binaries.MetaServer}' snapshot verify '{copy}'");
        Assert.Equal(1, bad.ExitCode);
        Assert.Contains("checksum mismatch", bad.Stderr);

        // and the filesystem still mounts from the good snapshot with everything in it
        File.Delete(copy);
        fs.Mount();
        Assert.Equal("1\n", File.ReadAllText(fs.PathOf("d/f1")));
        Assert.Equal(200, Directory.GetFiles(fs.MountPoint).Length + Directory.GetFiles(fs.PathOf("d")).Length);
    }
}
