using System.Security.Cryptography;
using CurveFs.Common.Fs;
using CurveFs.Common.Meta;
using CurveFs.Mount.Data;
using CurveFs.Mount.Vfs;

namespace CurveFs.Tests.Mount;

/// <summary>The read path over a counting object store: read-ahead for sequential readers only, one GET
/// per block however many readers want it, parallel fetches, a bounded cache, and no stale data.</summary>
public sealed class ReadPathTests
{
    private const int Block = (int)DataPathHarness.BlockSize;

    [Fact]
    public async Task SequentialReader_FetchesBlocksAheadOfItsReads()
    {
        await using var h = new DataPathHarness();
        var content = RandomNumberGenerator.GetBytes(32 * Block);
        var ino = await DataPathHarness.CreateFileAsync(h.Vfs, "seq", content);
        var handle = await h.OpenAsync(h.Vfs, ino);

        // Four 16 KiB reads: all inside block 0.
        var head = await DataPathHarness.ReadAsync(h.Vfs, ino, handle, 0, Block, step: 16 << 10);
        await h.Data.WaitForFetchesAsync();
        Assert.Equal(content[..Block], head);
        Assert.True(h.Store.Gets >= 2, $"a sequential reader of block 0 should have block 1 read ahead; GETs: {h.Store.Gets}");

        var rest = await DataPathHarness.ReadAsync(h.Vfs, ino, handle, Block, content.Length - Block, step: 16 << 10);
        await h.Data.WaitForFetchesAsync();
        Assert.Equal(content[Block..], rest);
        Assert.Equal(32, h.Store.Gets); // every block once: read-ahead and reads never fetch a block twice
        Assert.All(h.Store.KeysRead, key => Assert.Equal(1, h.Store.GetsOf(key)));
    }

    [Fact]
    public async Task RandomReader_GetsNoReadAhead()
    {
        await using var h = new DataPathHarness();
        var content = RandomNumberGenerator.GetBytes(64 * Block);
        var ino = await DataPathHarness.CreateFileAsync(h.Vfs, "random", content);
        var handle = await h.OpenAsync(h.Vfs, ino);

        // Each read starts more than ReadPattern.Slack away from where the previous one ended.
        int[] blocks = [40, 3, 60, 20, 50, 1, 30, 10];
        foreach (var b in blocks)
        {
            var got = await DataPathHarness.ReadAsync(h.Vfs, ino, handle, (long)b * Block + 100, 4096);
            Assert.Equal(content.AsSpan(b * Block + 100, 4096).ToArray(), got);
        }
        await h.Data.WaitForFetchesAsync();
        Assert.Equal(blocks.Length, h.Store.Gets);
    }

    [Fact]
    public async Task SequentialThenRandom_StopsReadingAhead()
    {
        var pattern = new ReadPattern();
        var window = 0L;
        for (var offset = 0L; offset < 64L << 20; offset += 128 << 10)
        {
            pattern.OnRead(offset, 128 << 10, 4 << 20, 32 << 20);
            window = Math.Max(window, pattern.Window);
        }
        Assert.Equal(32L << 20, window); // grew from one block to the maximum
        Assert.Equal((0L, 0L), pattern.OnRead(500L << 20, 4096, 4 << 20, 32 << 20));
        Assert.Equal(0, pattern.Window);
        Assert.Equal((0L, 0L), pattern.OnRead(100L << 20, 4096, 4 << 20, 32 << 20));
        // Sequential again from where it is now: read-ahead starts over with one block.
        var (start, end) = pattern.OnRead((100L << 20) + 4096, 4096, 4 << 20, 32 << 20);
        Assert.Equal(4L << 20, end - start);
    }

    [Fact]
    public async Task ConcurrentReadsOfOneBlock_DoOneGet()
    {
        await using var h = new DataPathHarness();
        var content = RandomNumberGenerator.GetBytes(4 * Block);
        var ino = await DataPathHarness.CreateFileAsync(h.Vfs, "shared", content);
        var gate = new TaskCompletionSource();
        h.Store.Gate = gate.Task;
        var reads = Enumerable.Range(0, 8).Select(i => Task.Run(async () =>
        {
            var buffer = new byte[1000];
            var read = await h.Data.ReadAsync(ino, Block + i * 1000, buffer);
            Assert.Equal(1000, read.Value);
            return buffer;
        })).ToArray();
        await Task.Delay(200);
        gate.SetResult();
        var results = await Task.WhenAll(reads);
        for (var i = 0; i < results.Length; i++) Assert.Equal(content.AsSpan(Block + i * 1000, 1000).ToArray(), results[i]);
        Assert.Equal(1, h.Store.Gets);
    }

    [Fact]
    public async Task ReadSpanningBlocks_FetchesThemInParallel()
    {
        await using var h = new DataPathHarness();
        var content = RandomNumberGenerator.GetBytes(8 * Block);
        var ino = await DataPathHarness.CreateFileAsync(h.Vfs, "wide", content);
        var gate = new TaskCompletionSource();
        h.Store.Gate = gate.Task;
        var buffer = new byte[content.Length];
        var read = h.Data.ReadAsync(ino, 0, buffer).AsTask();
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (h.Store.MaxInFlight < 8 && DateTime.UtcNow < deadline) await Task.Delay(10);
        Assert.Equal(8, h.Store.MaxInFlight); // all eight GETs issued before the first one finished
        gate.SetResult();
        Assert.Equal(content.Length, (await read).Value);
        Assert.Equal(content, buffer);
    }

    [Fact]
    public async Task BlockCache_StaysWithinItsBudget()
    {
        var budget = 4L * Block;
        await using var h = new DataPathHarness(new DataClientOptions { BlockCacheBytes = budget });
        var content = RandomNumberGenerator.GetBytes(32 * Block);
        var ino = await DataPathHarness.CreateFileAsync(h.Vfs, "big", content);
        var handle = await h.OpenAsync(h.Vfs, ino);
        for (var offset = 0; offset < content.Length; offset += 32 << 10)
        {
            var got = await DataPathHarness.ReadAsync(h.Vfs, ino, handle, offset, 32 << 10);
            Assert.Equal(content.AsSpan(offset, 32 << 10).ToArray(), got);
            Assert.True(h.Data.CachedBytes <= budget, $"{h.Data.CachedBytes} cached, budget {budget}");
        }
        await h.Data.WaitForFetchesAsync();
        Assert.True(h.Data.CachedBytes <= budget);
        Assert.True(h.Data.CachedBytes > 0);
    }

    [Fact]
    public void BlockCache_EvictsLeastRecentlyUsedFirst()
    {
        var cache = new BlockCache(1000);
        cache.Add("a", new byte[300]);
        cache.Add("b", new byte[300]);
        cache.Add("c", new byte[300]);
        Assert.NotNull(cache.TryGet("a")); // a is now the most recently used
        cache.Add("d", new byte[300]);
        Assert.Null(cache.TryGet("b"));
        Assert.NotNull(cache.TryGet("a"));
        Assert.NotNull(cache.TryGet("c"));
        Assert.NotNull(cache.TryGet("d"));
        Assert.Equal(900, cache.Size);
        cache.Add("huge", new byte[1001]); // larger than the whole budget: not cached
        Assert.Null(cache.TryGet("huge"));
        Assert.Equal(900, cache.Size);
    }

    [Fact]
    public async Task Overwrite_IsReadBackAfterTheOldDataWasCached()
    {
        await using var h = new DataPathHarness();
        var content = RandomNumberGenerator.GetBytes(6 * Block);
        var ino = await DataPathHarness.CreateFileAsync(h.Vfs, "over", content);
        var handle = await h.OpenAsync(h.Vfs, ino, OpenFlags.ReadWrite);
        Assert.Equal(content, await DataPathHarness.ReadAsync(h.Vfs, ino, handle, 0, content.Length));

        var patch = RandomNumberGenerator.GetBytes(Block + 5000);
        await DataPathHarness.WriteAsync(h.Vfs, ino, handle, 2 * Block - 1000, patch);
        Assert.Equal(Errno.Ok, await h.Vfs.FsyncAsync(RequestContext.Root, ino, handle, false));
        patch.CopyTo(content, 2 * Block - 1000);
        Assert.Equal(content, await DataPathHarness.ReadAsync(h.Vfs, ino, handle, 0, content.Length));
        Assert.Equal(Errno.Ok, await h.Vfs.ReleaseAsync(ino, handle));

        // Another client that cached the old data sees the new data after it opens the file again.
        var other = h.NewClient();
        var otherHandle = await h.OpenAsync(other.Vfs, ino);
        Assert.Equal(content, await DataPathHarness.ReadAsync(other.Vfs, ino, otherHandle, 0, content.Length));
        var second = RandomNumberGenerator.GetBytes(3000);
        var writer = await h.OpenAsync(h.Vfs, ino, OpenFlags.ReadWrite);
        await DataPathHarness.WriteAsync(h.Vfs, ino, writer, 10, second);
        Assert.Equal(Errno.Ok, await h.Vfs.ReleaseAsync(ino, writer));
        second.CopyTo(content, 10);
        Assert.Equal(Errno.Ok, await other.Vfs.ReleaseAsync(ino, otherHandle));
        otherHandle = await h.OpenAsync(other.Vfs, ino);
        Assert.Equal(content, await DataPathHarness.ReadAsync(other.Vfs, ino, otherHandle, 0, content.Length));
    }

    [Fact]
    public async Task RandomReads_OnceTheCacheIsFull_FetchOnlyTheirRanges()
    {
        await using var h = new DataPathHarness();
        var content = RandomNumberGenerator.GetBytes(512 * Block);
        var ino = await DataPathHarness.CreateFileAsync(h.Vfs, "random", content);
        var client = h.NewClient(new DataClientOptions { BlockCacheBytes = 4L * Block, ReadAheadMaxBytes = 0 });
        var handle = await h.OpenAsync(client.Vfs, ino);
        var before = h.Store.BytesRead;
        const int reads = 200;
        for (var i = 0; i < reads; i++)
        {
            // 37 blocks (2.3 MiB) apart, modulo the file: never within ReadPattern.Slack of the last read, never at 0.
            var offset = (i * 37 % 512) * (long)Block + 4096 * (i % 15 + 1);
            Assert.Equal(content.AsSpan((int)offset, 4096).ToArray(), await DataPathHarness.ReadAsync(client.Vfs, ino, handle, offset, 4096));
        }
        // Whole blocks only until the cache was full, then 4 KiB per read.
        Assert.True(h.Store.BytesRead - before <= 4L * Block + reads * 4096L, $"{h.Store.BytesRead - before} bytes fetched for {reads} reads of 4 KiB");
        Assert.True(client.Data.CachedBytes <= 4L * Block);

        // A sequential reader still gets whole blocks (and read-ahead when it is on).
        var sequential = await h.OpenAsync(client.Vfs, ino);
        Assert.Equal(content, await DataPathHarness.ReadAsync(client.Vfs, ino, sequential, 0, content.Length));
    }

    [Fact]
    public async Task ReadsOfAnOpenFile_AskForItsLengthOnce()
    {
        await using var h = new DataPathHarness();
        var content = RandomNumberGenerator.GetBytes(8 * Block);
        var ino = await DataPathHarness.CreateFileAsync(h.Vfs, "once", content);
        var handle = await h.OpenAsync(h.Vfs, ino);
        var before = h.GetAttrCalls;
        Assert.Equal(content, await DataPathHarness.ReadAsync(h.Vfs, ino, handle, 0, content.Length, step: 16 << 10)); // 32 reads
        Assert.True(h.GetAttrCalls - before <= 1, $"{h.GetAttrCalls - before} attribute lookups for one sequential read");
    }

    [Fact]
    public async Task AppendThroughAnotherHandle_IsReadByAHandleOpenedBefore()
    {
        await using var h = new DataPathHarness();
        var content = RandomNumberGenerator.GetBytes(2 * Block + 100);
        var ino = await DataPathHarness.CreateFileAsync(h.Vfs, "grow", content);
        var reader = await h.OpenAsync(h.Vfs, ino);
        Assert.Equal(content, await DataPathHarness.ReadAsync(h.Vfs, ino, reader, 0, content.Length + 10));

        var tail = RandomNumberGenerator.GetBytes(Block);
        var writer = await h.OpenAsync(h.Vfs, ino, OpenFlags.ReadWrite);
        await DataPathHarness.WriteAsync(h.Vfs, ino, writer, content.Length, tail);
        var grown = content.Concat(tail).ToArray();
        Assert.Equal(grown, await DataPathHarness.ReadAsync(h.Vfs, ino, reader, 0, grown.Length + 10)); // still buffered
        Assert.Equal(Errno.Ok, await h.Vfs.FsyncAsync(RequestContext.Root, ino, writer, false));
        Assert.Equal(grown, await DataPathHarness.ReadAsync(h.Vfs, ino, reader, 0, grown.Length + 10)); // committed
    }

    [Fact]
    public async Task GetAttrFindingAnotherLength_LetsAnOpenReaderSeeAnotherClientsAppend()
    {
        await using var h = new DataPathHarness();
        var content = RandomNumberGenerator.GetBytes(Block + 100);
        var ino = await DataPathHarness.CreateFileAsync(h.Vfs, "tail", content);
        var other = h.NewClient();
        var reader = await h.OpenAsync(other.Vfs, ino);
        Assert.Equal(content, await DataPathHarness.ReadAsync(other.Vfs, ino, reader, 0, content.Length + 10));

        var tail = RandomNumberGenerator.GetBytes(5000);
        var writer = await h.OpenAsync(h.Vfs, ino, OpenFlags.ReadWrite);
        await DataPathHarness.WriteAsync(h.Vfs, ino, writer, content.Length, tail);
        Assert.Equal(Errno.Ok, await h.Vfs.ReleaseAsync(ino, writer));

        // What tail -f does: fstat finds the file grew, then reads from where it was.
        var attr = await other.Vfs.GetAttrAsync(RequestContext.Root, ino, reader);
        Assert.Equal((ulong)(content.Length + tail.Length), attr.Value.Attr.Size);
        Assert.Equal(tail, await DataPathHarness.ReadAsync(other.Vfs, ino, reader, content.Length, tail.Length + 10));
    }

    [Fact]
    public async Task TruncateAndExtend_ReadsZerosWhereCachedDataWas()
    {
        await using var h = new DataPathHarness();
        var content = RandomNumberGenerator.GetBytes(20 * Block); // more than one chunk
        var ino = await DataPathHarness.CreateFileAsync(h.Vfs, "trunc", content);
        var handle = await h.OpenAsync(h.Vfs, ino, OpenFlags.ReadWrite);
        Assert.Equal(content, await DataPathHarness.ReadAsync(h.Vfs, ino, handle, 0, content.Length));

        await SetSizeAsync(h.Vfs, ino, handle, 3 * Block + 123);
        Assert.Equal(content[..(3 * Block + 123)], await DataPathHarness.ReadAsync(h.Vfs, ino, handle, 0, content.Length));
        await SetSizeAsync(h.Vfs, ino, handle, (ulong)content.Length);
        var expected = new byte[content.Length];
        content.AsSpan(0, 3 * Block + 123).CopyTo(expected);
        Assert.Equal(expected, await DataPathHarness.ReadAsync(h.Vfs, ino, handle, 0, content.Length));
    }

    private static async Task SetSizeAsync(CurveVfs vfs, ulong ino, ulong handle, ulong size)
    {
        var result = await vfs.SetAttrAsync(RequestContext.Root, ino, new SetAttrRequest(AttrFields.Size, 0, 0, 0, size, 0, 0, 0, handle));
        Assert.True(result.Ok, result.Error.ToString());
        Assert.Equal(size, result.Value.Attr.Size);
    }

    [Fact]
    public async Task Open_KeepsThePageCacheOnlyWhileTheFileIsUnchanged()
    {
        await using var h = new DataPathHarness();
        var ino = await DataPathHarness.CreateFileAsync(h.Vfs, "keep", RandomNumberGenerator.GetBytes(1000));
        var other = h.NewClient();
        async Task<bool> OpenKeeps()
        {
            var open = await h.Vfs.OpenAsync(RequestContext.Root, ino, OpenFlags.ReadOnly);
            Assert.Equal(Errno.Ok, await h.Vfs.ReleaseAsync(ino, open.Value.Handle));
            return open.Value.KeepCache;
        }
        Assert.False(await OpenKeeps()); // nothing known about the pages yet
        Assert.True(await OpenKeeps());
        await DataPathHarness.WriteAsync(other.Vfs, ino, await h.OpenAsync(other.Vfs, ino, OpenFlags.WriteOnly), 0, [1, 2, 3]);
        await other.Data.FlushAsync(ino);
        Assert.False(await OpenKeeps()); // another client changed it
        Assert.True(await OpenKeeps());
    }
}
