using System.Security.Cryptography;

namespace CurveFs.Tests.Integration;

/// <summary>A 1 GiB sparse file written at random offsets reads back byte for byte like the same file on a local disk.</summary>
[Collection("Integration")]
[Trait("Category", "Integration")]
public sealed class SparseFileTests(MountFixture mount) : IClassFixture<MountFixture>
{
    private const long Size = 1L << 30;

    [Fact]
    public void RandomWritesIntoOneGiB_ReadBackLikeALocalCopy()
    {
        var onMount = Path.Combine(mount.NewDir("sparse"), "sparse.bin");
        var localDir = Directory.CreateTempSubdirectory("curvefs-sparse-").FullName;
        var local = Path.Combine(localDir, "sparse.bin");
        try
        {
            WriteRandom(onMount, seed: 7);
            WriteRandom(local, seed: 7);
            Assert.Equal(Size, new FileInfo(onMount).Length);
            Assert.Equal(Hash(local), Hash(onMount));
            // and again after the kernel's page cache for it is dropped (reads come from the filesystem)
            Shell.Ok("sync; echo 1 > /proc/sys/vm/drop_caches || true");
            Assert.Equal(Hash(local), Hash(onMount));
        }
        finally
        {
            Directory.Delete(localDir, recursive: true);
        }
    }

    private static void WriteRandom(string path, int seed)
    {
        var random = new Random(seed);
        using var file = new FileStream(path, FileMode.Create, FileAccess.ReadWrite, FileShare.None, 1, FileOptions.RandomAccess);
        file.SetLength(Size);
        for (var i = 0; i < 3000; i++)
        {
            var length = random.Next(1, 64 * 1024);
            var offset = random.NextInt64(0, Size - length);
            var data = new byte[length];
            random.NextBytes(data);
            file.Position = offset;
            file.Write(data);
            if (i % 500 == 0) file.Flush(flushToDisk: true);
        }
        // overlapping rewrites of a few hot spots, then a truncate that cuts into written data and regrows
        for (var i = 0; i < 200; i++)
        {
            var data = new byte[random.Next(1, 8192)];
            random.NextBytes(data);
            file.Position = 4096L * random.Next(0, 64);
            file.Write(data);
        }
        file.SetLength(Size - 12345);
        file.SetLength(Size);
        file.Flush(flushToDisk: true);
    }

    private static string Hash(string path)
    {
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1 << 20);
        return Convert.ToHexString(SHA256.HashData(file));
    }
}
