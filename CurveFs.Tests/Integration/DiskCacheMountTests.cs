using System.Security.Cryptography;

namespace CurveFs.Tests.Integration;

/// <summary>A real <c>curvefs mount --local ... --disk-cache DIR</c>: blocks read once are served from the
/// disk cache after a remount, even with the kernel's page cache dropped and the objects gone.</summary>
[Collection("Integration")]
[Trait("Category", "Integration")]
public sealed class DiskCacheMountTests
{
    [Fact]
    public void ReadRemountRead_ServedFromTheDiskCache()
    {
        var cacheDir = Directory.CreateTempSubdirectory("curvefs-it-diskcache-").FullName;
        try
        {
            using var fs = new MountedFilesystem("--disk-cache", cacheDir, "--block-size", "1M");
            var data = RandomNumberGenerator.GetBytes((10 << 20) + 12345);
            File.WriteAllBytes(fs.PathOf("f.bin"), data);
            fs.Remount(); // writes do not fill the disk cache: this mount reads from the objects
            Assert.Equal(data, File.ReadAllBytes(fs.PathOf("f.bin")));
            fs.Remount(); // unmounting writes what is queued for the disk cache

            var uuidDirs = Directory.GetDirectories(cacheDir);
            Assert.Single(uuidDirs);
            Assert.Equal(11, Directory.GetFiles(uuidDirs[0], "*.blk", SearchOption.AllDirectories).Length);
            Assert.Contains("disk cache", fs.WaitForLog("disk cache"));
            // Without the objects, only the disk cache can answer.
            fs.Unmount();
            var objects = Path.Combine(fs.DataDir, "objects");
            var moved = Directory.GetFiles(objects, "*", SearchOption.AllDirectories).Where(f => !Path.GetFileName(f).StartsWith('.')).ToList();
            Assert.Equal(11, moved.Count);
            foreach (var file in moved) File.Delete(file);
            fs.Mount();
            Shell.Ok("sync; echo 3 > /proc/sys/vm/drop_caches || true");
            Assert.Equal(data, File.ReadAllBytes(fs.PathOf("f.bin")));
        }
        finally
        {
            Directory.Delete(cacheDir, recursive: true);
        }
    }
}
