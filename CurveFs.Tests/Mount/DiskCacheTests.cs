using System.Security.Cryptography;
using CurveFs.Mount.Data;
using CurveFs.Mount.Data.DiskCache;
using CurveFs.Mount.Hosting;

namespace CurveFs.Tests.Mount;

/// <summary>The local disk cache over a counting object store: it survives a remount, catches corrupt
/// files, stays within its size, and never serves one filesystem's blocks to another.</summary>
public sealed class DiskCacheTests : IDisposable
{
    private const int Block = (int)DataPathHarness.BlockSize;
    private readonly string _cacheDir = Directory.CreateTempSubdirectory("curvefs-diskcache-").FullName;

    public void Dispose() => Directory.Delete(_cacheDir, recursive: true);

    private DataClientOptions WithDiskCache(long bytes = 1L << 30, long readAhead = 64L << 20) =>
        new() { DiskCacheDir = _cacheDir, DiskCacheBytes = bytes, ReadAheadMaxBytes = readAhead };

    /// <summary>Reads the whole file through a new open of <paramref name="client"/> and waits until what it
    /// fetched is on disk.</summary>
    private static async Task<byte[]> ReadAllAsync(DataPathHarness h, ClientStack client, ulong ino, int length)
    {
        var handle = await h.OpenAsync(client.Vfs, ino);
        var data = await DataPathHarness.ReadAsync(client.Vfs, ino, handle, 0, length, step: Block);
        await client.Vfs.ReleaseAsync(ino, handle);
        await client.Data.WaitForFetchesAsync();
        if (client.Data.DiskCache is { } disk) await disk.WaitForWritesAsync();
        return data;
    }

    private string[] CacheFiles() => Directory.GetFiles(_cacheDir, "*" + ".blk", SearchOption.AllDirectories);

    [Fact]
    public async Task SecondMount_ReadsFromTheDiskCache_WithoutGets()
    {
        await using var h = new DataPathHarness();
        var content = RandomNumberGenerator.GetBytes(16 * Block);
        var ino = await DataPathHarness.CreateFileAsync(h.Vfs, "f", content);
        var first = h.NewClient(WithDiskCache());
        Assert.Equal(content, await ReadAllAsync(h, first, ino, content.Length));
        Assert.Equal(16, first.Data.DiskCache!.Written);
        await h.CloseClientAsync(first);
        h.Store.Reset();

        var second = h.NewClient(WithDiskCache());
        Assert.Equal(16, second.Data.DiskCache!.Files); // the index was rebuilt from the directory
        Assert.Equal(content, await ReadAllAsync(h, second, ino, content.Length));
        Assert.Equal(0, h.Store.Gets);
        Assert.Equal(16, second.Data.DiskCache.Hits);
        Assert.Equal(16, CacheFiles().Length);
    }

    [Fact]
    public async Task WrittenBlocks_AreCachedOnDisk_ARemountReadsThemWithoutGets()
    {
        await using var h = new DataPathHarness();
        var content = RandomNumberGenerator.GetBytes(6 * Block + 1234); // six full blocks and a partial one
        var writer = h.NewClient(WithDiskCache());
        var ino = await DataPathHarness.CreateFileAsync(writer.Vfs, "f", content);
        await writer.Data.DiskCache!.WaitForWritesAsync();
        Assert.Equal(7, writer.Data.DiskCache.Written);
        Assert.Equal(0, h.Store.Gets);
        await h.CloseClientAsync(writer);

        var reader = h.NewClient(WithDiskCache());
        Assert.Equal(content, await ReadAllAsync(h, reader, ino, content.Length));
        Assert.Equal(0, h.Store.Gets);
        Assert.Equal(7, reader.Data.DiskCache!.Hits);
    }

    [Fact]
    public async Task CorruptOrTornFile_IsDetected_DeletedAndRefetched()
    {
        await using var h = new DataPathHarness();
        var content = RandomNumberGenerator.GetBytes(4 * Block);
        var ino = await DataPathHarness.CreateFileAsync(h.Vfs, "f", content);
        var first = h.NewClient(WithDiskCache());
        await ReadAllAsync(h, first, ino, content.Length);
        await h.CloseClientAsync(first);

        var files = CacheFiles().Order().ToArray();
        Assert.Equal(4, files.Length);
        var flipped = File.ReadAllBytes(files[0]);
        flipped[1000] ^= 0x40;
        File.WriteAllBytes(files[0], flipped);
        using (var torn = new FileStream(files[1], FileMode.Open)) torn.SetLength(torn.Length / 2);
        h.Store.Reset();

        var second = h.NewClient(WithDiskCache());
        Assert.Equal(content, await ReadAllAsync(h, second, ino, content.Length));
        Assert.Equal(2, second.Data.DiskCache!.CorruptFiles);
        Assert.Equal(2, second.Data.DiskCache.Hits);
        Assert.Equal(2, h.Store.Gets); // only the two bad blocks came from the store ...
        Assert.Equal(2, second.Data.DiskCache.Written); // ... and were cached again
        await h.CloseClientAsync(second);
        h.Store.Reset();

        var third = h.NewClient(WithDiskCache());
        Assert.Equal(content, await ReadAllAsync(h, third, ino, content.Length));
        Assert.Equal(0, h.Store.Gets);
        Assert.Equal(0, third.Data.DiskCache!.CorruptFiles);
    }

    [Fact]
    public async Task SizeLimit_HoldsAfterCachingMore_LeastRecentlyUsedOut()
    {
        await using var h = new DataPathHarness();
        var content = RandomNumberGenerator.GetBytes(32 * Block);
        var ino = await DataPathHarness.CreateFileAsync(h.Vfs, "big", content);
        var limit = 8L * (Block + 8) + 100;
        // No read-ahead: blocks are fetched, so cached, in file order.
        var first = h.NewClient(WithDiskCache(limit, readAhead: 0));
        Assert.Equal(content, await ReadAllAsync(h, first, ino, content.Length));
        var disk = first.Data.DiskCache!;
        Assert.Equal(32, disk.Written);
        Assert.Equal(24, disk.Evicted);
        Assert.True(disk.UsedBytes <= limit, $"{disk.UsedBytes} bytes cached, limit {limit}");
        Assert.Equal(8, CacheFiles().Length);
        Assert.True(CacheFiles().Sum(f => new FileInfo(f).Length) <= limit);
        await h.CloseClientAsync(first);
        h.Store.Reset();

        // The last 8 blocks are what is left, and a remount finds them.
        var second = h.NewClient(WithDiskCache(limit, readAhead: 0));
        var handle = await h.OpenAsync(second.Vfs, ino);
        var tail = await DataPathHarness.ReadAsync(second.Vfs, ino, handle, 24L * Block, 8 * Block, step: Block);
        Assert.Equal(content[(24 * Block)..], tail);
        Assert.Equal(0, h.Store.Gets);
        // A smaller limit at the next mount evicts at open.
        await h.CloseClientAsync(second);
        var third = h.NewClient(WithDiskCache(4L * (Block + 8), readAhead: 0));
        Assert.Equal(4, third.Data.DiskCache!.Files);
        Assert.Equal(4, CacheFiles().Length);
    }

    [Fact]
    public async Task ShortOfFreeSpace_EvictsOldBlocksFirst_ThenSkipsWhatCannotFit()
    {
        await using var h = new DataPathHarness();
        var content = RandomNumberGenerator.GetBytes(16 * Block);
        var ino = await DataPathHarness.CreateFileAsync(h.Vfs, "f", content);
        const long blockFile = Block + DiskCacheFile.TrailerLength;
        // A disk of 100 block files, 82 used by others: keeping 10 % free leaves room for 8 blocks.
        const long total = 100 * blockFile;
        var usedByOthers = 82 * blockFile;
        (long, long) Space(string _) => (total - Interlocked.Read(ref usedByOthers) - CacheFiles().Sum(f => new FileInfo(f).Length), total);
        var client = h.NewClient(WithDiskCache(readAhead: 0) with { DiskCacheFreeRatio = 0.1, DiskSpace = Space });
        Assert.Equal(content, await ReadAllAsync(h, client, ino, content.Length));
        var disk = client.Data.DiskCache!;
        Assert.Equal(16, disk.Written);
        Assert.Equal(8, disk.Files);
        Assert.Equal(8, CacheFiles().Length);
        Assert.Equal(0, disk.SkippedForSpace);

        // Others fill the disk further: the cache gives back all it has and caches nothing more.
        Interlocked.Exchange(ref usedByOthers, 95 * blockFile);
        var other = await DataPathHarness.CreateFileAsync(h.Vfs, "g", RandomNumberGenerator.GetBytes(2 * Block));
        Assert.Equal(2 * Block, (await ReadAllAsync(h, client, other, 2 * Block)).Length);
        Assert.Equal(2, disk.SkippedForSpace);
        Assert.Empty(CacheFiles());
        Assert.Equal(0, disk.Files);
    }

    [Fact]
    public async Task RecreatedFilesystem_WithTheSameObjectKeys_DoesNotSeeTheOldBlocks()
    {
        var oldContent = RandomNumberGenerator.GetBytes(4 * Block);
        var newContent = RandomNumberGenerator.GetBytes(4 * Block);
        IReadOnlyCollection<string> oldKeys;
        await using (var old = new DataPathHarness())
        {
            var ino = await DataPathHarness.CreateFileAsync(old.Vfs, "f", oldContent);
            var client = old.NewClient(WithDiskCache());
            await ReadAllAsync(old, client, ino, oldContent.Length);
            oldKeys = old.Store.KeysRead;
            await old.CloseClientAsync(client);
        }
        // Same name, same fs ID, chunk IDs from 1 again: the same object keys, other bytes, another UUID.
        await using var recreated = new DataPathHarness();
        var newIno = await DataPathHarness.CreateFileAsync(recreated.Vfs, "f", newContent);
        var reader = recreated.NewClient(WithDiskCache());
        Assert.Equal(newContent, await ReadAllAsync(recreated, reader, newIno, newContent.Length));
        Assert.Equal(oldKeys.Order(), recreated.Store.KeysRead.Order());
        Assert.Equal(4, recreated.Store.Gets);
        Assert.Equal(0, reader.Data.DiskCache!.Hits);
        Assert.Equal(2, Directory.GetDirectories(_cacheDir).Length); // one per UUID
    }

    [Fact]
    public async Task FilesystemWithoutUuid_GetsNoDiskCache()
    {
        await using var h = new DataPathHarness(fsUuid: "");
        var client = h.NewClient(WithDiskCache());
        Assert.Null(client.Data.DiskCache);
        var content = RandomNumberGenerator.GetBytes(2 * Block);
        var ino = await DataPathHarness.CreateFileAsync(h.Vfs, "f", content);
        Assert.Equal(content, await ReadAllAsync(h, client, ino, content.Length));
        Assert.Empty(Directory.GetFileSystemEntries(_cacheDir));
    }

    [Fact]
    public async Task SecondClientOnTheSameDirectory_RunsWithoutIt()
    {
        await using var h = new DataPathHarness();
        var first = h.NewClient(WithDiskCache());
        var second = h.NewClient(WithDiskCache());
        Assert.NotNull(first.Data.DiskCache);
        Assert.Null(second.Data.DiskCache);
        await h.CloseClientAsync(first);
        var third = h.NewClient(WithDiskCache());
        Assert.NotNull(third.Data.DiskCache);
    }

    [Fact]
    public void RelativePath_SpreadsKeysAndEscapesSlashes()
    {
        var path = DiskCacheFile.RelativePath("1/2a/1_42_1007_0_0");
        Assert.Matches(@"^[0-9a-f]{2}/1%2F2a%2F1_42_1007_0_0\.blk$", path);
        var longKey = new string('k', 300);
        Assert.Matches(@"^[0-9a-f]{2}/h-[0-9a-f]{64}\.blk$", DiskCacheFile.RelativePath(longKey));
    }
}
