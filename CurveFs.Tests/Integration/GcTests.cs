using System.Buffers.Binary;
using System.Security.Cryptography;
using CurveFs.Mount.Data;

namespace CurveFs.Tests.Integration;

/// <summary><c>curvefs gc --local</c> and <c>curvefs fsck --local</c> against a real embedded mount's data directory.</summary>
[Collection("Integration")]
[Trait("Category", "Integration")]
public sealed class GcTests
{
    [Fact]
    public void Gc_StrayObjectOfAnUnusedChunkId_IsReportedThenDeletedAndFilesStayIntact()
    {
        using var fs = new MountedFilesystem();
        var big = RandomNumberGenerator.GetBytes(9 << 20);
        File.WriteAllBytes(fs.PathOf("big.bin"), big);
        Shell.Ok($"cd '{fs.MountPoint}' && echo hello > small && dd if=/dev/urandom of=over bs=64k count=8 status=none && dd if=/dev/urandom of=over bs=4k count=3 conv=notrunc status=none && head -c 100000 /dev/urandom > gone && rm gone");
        var before = Shell.Ok($"cd '{fs.MountPoint}' && sha256sum big.bin small over");

        var busy = Gc(fs, "--min-age 0s");
        Assert.True(busy.ExitCode == 2, busy.ToString());
        Assert.Contains("in use", busy.Stderr);

        fs.Unmount();
        // An upload whose commit never happened: a block of a chunk ID handed out but named by no slice.
        var counter = BinaryPrimitives.ReadUInt64LittleEndian(File.ReadAllBytes(Path.Combine(fs.DataDir, "chunkid")));
        var strayKey = ObjectKeyLayout.BlockKey(1, 2, counter - 1, 0);
        var strayPath = Path.Combine(fs.DataDir, "objects", strayKey);
        Directory.CreateDirectory(Path.GetDirectoryName(strayPath)!);
        File.WriteAllBytes(strayPath, new byte[4096]);
        var objectsBefore = Directory.GetFiles(Path.Combine(fs.DataDir, "objects"), "*", SearchOption.AllDirectories).Length;

        var young = Gc(fs, "");
        Assert.True(young.ExitCode == 0, young.ToString());
        Assert.Contains("1 younger than 1h", young.Stdout);

        var report = Gc(fs, "--min-age 0s");
        Assert.True(report.ExitCode == 1, report.ToString());
        Assert.Contains("1 leaked objects (4096 bytes)", report.Stdout);
        Assert.Contains(strayKey, report.Stdout);
        Assert.True(File.Exists(strayPath));

        var fsck = Shell.Run($"'{Binaries.Curvefs}' fsck --local '{fs.DataDir}' --objects");
        Assert.True(fsck.ExitCode == 0, fsck.ToString()); // fsck judges objects by the default hour

        var delete = Gc(fs, "--min-age 0s --delete");
        Assert.True(delete.ExitCode == 0, delete.ToString());
        Assert.Contains("deleted 1 leaked objects", delete.Stdout);
        Assert.False(File.Exists(strayPath));
        Assert.Equal(objectsBefore - 1, Directory.GetFiles(Path.Combine(fs.DataDir, "objects"), "*", SearchOption.AllDirectories).Length);

        var again = Gc(fs, "--min-age 0s");
        Assert.True(again.ExitCode == 0, again.ToString());
        Assert.Contains("no leaked objects", again.Stdout);

        fs.Mount();
        Assert.Equal(before, Shell.Ok($"cd '{fs.MountPoint}' && sha256sum big.bin small over"));
        Assert.Equal(big, File.ReadAllBytes(fs.PathOf("big.bin")));
    }

    private static ShellResult Gc(MountedFilesystem fs, string args) =>
        Shell.Run($"'{Binaries.Curvefs}' gc --local '{fs.DataDir}' {args}", timeout: TimeSpan.FromMinutes(2));

    [Theory]
    [InlineData("gc --mds 127.0.0.1:1 --fs x")]
    [InlineData("fsck --objects --mds 127.0.0.1:1 --fs x")]
    public void MalformedStorage_IsAUsageError_NotACrash(string command)
    {
        // new Uri throws UriFormatException (not an ArgumentException) for a bad port.
        var result = Shell.Run($"'{Binaries.Curvefs}' {command} --storage 's3://bucket:x:y?endpoint=http://h'");
        Assert.Equal(64, result.ExitCode);
        Assert.Contains("Invalid URI", result.Stderr);
        Assert.DoesNotContain("Unhandled exception", result.Stderr);
    }
}
