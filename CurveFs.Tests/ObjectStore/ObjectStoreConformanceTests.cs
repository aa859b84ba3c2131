using CurveFs.Mount.ObjectStore;
using Xunit;

namespace CurveFs.Tests.ObjectStore;

/// <summary>
/// What every <see cref="IObjectStore"/> must do, run against each store by a subclass. Each test gets a fresh,
/// empty store (a new directory, or a new key prefix in a shared bucket).
/// </summary>
public abstract class ObjectStoreConformanceTests : IAsyncLifetime
{
    private const int MiB = 1 << 20;

    protected IObjectStore Store { get; private set; } = null!;

    /// <summary>A new store that holds no objects.</summary>
    protected abstract Task<IObjectStore> CreateStoreAsync();

    /// <summary>
    /// False for s3rver, which walks its directories and lists "a/..." before a sibling "a-b" (S3, MinIO and the
    /// local store list by bytes). CurveFs's own keys never have such siblings.
    /// </summary>
    protected virtual bool SortsKeysByBytes => true;

    /// <summary>Removes what a test left behind, before the store is disposed.</summary>
    protected virtual Task CleanupAsync() => Task.CompletedTask;

    public async Task InitializeAsync() => Store = await CreateStoreAsync();

    public async Task DisposeAsync()
    {
        try
        {
            await CleanupAsync();
        }
        finally
        {
            await Store.DisposeAsync();
        }
    }

    [Fact]
    public async Task Put_ThenGetWhole_ReturnsSameBytes()
    {
        byte[] data = Bytes(100_000, seed: 1);
        await Store.PutAsync("obj/whole", data);

        byte[] buffer = new byte[data.Length];
        Assert.Equal(data.Length, await Store.GetAsync("obj/whole", 0, buffer));
        Assert.Equal(data, buffer);
    }

    [Fact]
    public async Task Get_RangeInMiddle_ReturnsThoseBytes()
    {
        byte[] data = Bytes(10_000, seed: 2);
        await Store.PutAsync("obj/range", data);

        byte[] buffer = new byte[5_000];
        Assert.Equal(5_000, await Store.GetAsync("obj/range", 1_234, buffer));
        Assert.Equal(data.AsSpan(1_234, 5_000).ToArray(), buffer);
    }

    [Fact]
    public async Task Get_RangePastEnd_ReturnsShortCount()
    {
        byte[] data = Bytes(10_000, seed: 3);
        await Store.PutAsync("obj/short", data);

        byte[] buffer = new byte[5_000];
        Assert.Equal(1_000, await Store.GetAsync("obj/short", 9_000, buffer));
        Assert.Equal(data.AsSpan(9_000).ToArray(), buffer.AsSpan(0, 1_000).ToArray());
    }

    [Fact]
    public async Task Get_OffsetAtOrPastEnd_ReturnsZero()
    {
        await Store.PutAsync("obj/end", Bytes(10_000, seed: 4));

        byte[] buffer = new byte[100];
        Assert.Equal(0, await Store.GetAsync("obj/end", 10_000, buffer));
        Assert.Equal(0, await Store.GetAsync("obj/end", 50_000, buffer));
    }

    [Fact]
    public async Task Get_EmptyObject_ReturnsZero()
    {
        await Store.PutAsync("obj/empty", ReadOnlyMemory<byte>.Empty);

        byte[] buffer = new byte[100];
        Assert.Equal(0, await Store.GetAsync("obj/empty", 0, buffer));
        Assert.Equal(0, await Store.GetAsync("obj/empty", 10, buffer));
        Assert.Equal(0, (await Store.HeadAsync("obj/empty"))!.Value.Size);
    }

    [Fact]
    public async Task Get_MissingKey_ThrowsObjectNotFound()
    {
        byte[] buffer = new byte[100];
        var whole = await Assert.ThrowsAsync<ObjectNotFoundException>(() => Store.GetAsync("missing/key", 0, buffer));
        Assert.Equal("missing/key", whole.Key);
        await Assert.ThrowsAsync<ObjectNotFoundException>(() => Store.GetAsync("missing/key", 1_000, buffer));
        await Assert.ThrowsAsync<ObjectNotFoundException>(() => Store.GetAsync("missing/key", 0, Memory<byte>.Empty));
    }

    [Fact]
    public async Task Head_Present_ReturnsSizeAndTime()
    {
        await Store.PutAsync("obj/head", Bytes(4_321, seed: 5));

        ObjectInfo info = (await Store.HeadAsync("obj/head"))!.Value;
        Assert.Equal("obj/head", info.Key);
        Assert.Equal(4_321, info.Size);
        Assert.InRange(info.LastModified, DateTimeOffset.UtcNow.AddMinutes(-10), DateTimeOffset.UtcNow.AddMinutes(10));
    }

    [Fact]
    public async Task Head_Missing_ReturnsNull()
    {
        await Store.PutAsync("obj/other", Bytes(10, seed: 6));
        Assert.Null(await Store.HeadAsync("obj/missing"));
        Assert.Null(await Store.HeadAsync("never/written/at/all"));
    }

    [Fact]
    public async Task Delete_ExistingThenAgain_RemovesAndStaysIdempotent()
    {
        await Store.PutAsync("obj/delete", Bytes(10, seed: 7));

        await Store.DeleteAsync("obj/delete");
        await Store.DeleteAsync("obj/delete");
        await Store.DeleteAsync("never/written");

        Assert.Null(await Store.HeadAsync("obj/delete"));
        await Assert.ThrowsAsync<ObjectNotFoundException>(() => Store.GetAsync("obj/delete", 0, new byte[10]));
    }

    [Fact]
    public async Task DeleteMany_2500Keys_RemovesAllOfThem()
    {
        string[] keys = [.. Enumerable.Range(0, 2_500).Select(i => $"many/{i % 10}/k{i:D5}")];
        await PutAllAsync(keys, size: 16);
        await Store.PutAsync("many-keep", Bytes(8, seed: 8));

        await Store.DeleteManyAsync([.. keys, "many/never-1", "many/never-2"]);

        Assert.Empty(await ListKeysAsync("many/"));
        Assert.Null(await Store.HeadAsync(keys[1_234]));
        Assert.NotNull(await Store.HeadAsync("many-keep"));
        await Store.DeleteManyAsync([]); // an empty batch is fine
    }

    [Fact]
    public async Task List_Prefix_ReturnsMatchingKeysInOrder()
    {
        string[] keys = ["l/a/1", "l/a/2", "l/a0", "l/b/c/d", "l/bb", "m/1", "k"];
        await PutAllAsync(keys, size: 3);

        Assert.Equal(["l/a/1", "l/a/2", "l/a0", "l/b/c/d", "l/bb"], await ListKeysAsync("l/"));
        Assert.Equal(["l/a/1", "l/a/2", "l/a0"], await ListKeysAsync("l/a"));
        Assert.Equal(["l/a/1", "l/a/2"], await ListKeysAsync("l/a/"));
        Assert.Equal(["l/b/c/d"], await ListKeysAsync("l/b/"));
        Assert.Empty(await ListKeysAsync("l/z"));
        Assert.Empty(await ListKeysAsync("nothing/"));
        Assert.Equal(["k", "l/a/1", "l/a/2", "l/a0", "l/b/c/d", "l/bb", "m/1"], await ListKeysAsync(""));
        await foreach (ObjectInfo info in Store.ListAsync("l/a/"))
            Assert.Equal(3, info.Size);
    }

    [Fact]
    public async Task List_KeySortingBetweenDirectoryAndSlash_FollowsByteOrder()
    {
        string[] keys = ["s/a/1", "s/a-b", "s/a.c", "s/a0"];
        await PutAllAsync(keys, size: 1);

        List<string> listed = await ListKeysAsync("s/");

        // '-' (0x2D) and '.' (0x2E) sort before '/' (0x2F): S3 lists "s/a-b" before everything under "s/a/".
        if (SortsKeysByBytes) Assert.Equal(["s/a-b", "s/a.c", "s/a/1", "s/a0"], listed);
        else Assert.Equal(keys.Order(ObjectKeyOrder.Comparer), listed.Order(ObjectKeyOrder.Comparer));
    }

    [Fact]
    public async Task List_StartAfter_ReturnsOnlyLaterKeys()
    {
        string[] keys = ["l/a/1", "l/a/2", "l/a-b", "l/a0", "l/b/c/d", "l/bb"];
        await PutAllAsync(keys, size: 3);

        Assert.Equal(["l/a/2", "l/a0", "l/b/c/d", "l/bb"], await ListKeysAsync("l/", startAfter: "l/a/1"));
        Assert.Equal(["l/a/1", "l/a/2", "l/a0", "l/b/c/d", "l/bb"], await ListKeysAsync("l/", startAfter: "l/a/"));
        Assert.Equal(["l/bb"], await ListKeysAsync("l/", startAfter: "l/b/c/d"));
        Assert.Empty(await ListKeysAsync("l/", startAfter: "l/zz"));
        Assert.Equal(6, (await ListKeysAsync("l/", startAfter: "a")).Count);
    }

    [Fact]
    public async Task List_MoreThan1000Keys_PagesInKeyOrder()
    {
        string[] keys = [.. Enumerable.Range(0, 1_500).Select(i => $"page/{i % 3}/k{i:D5}")];
        await PutAllAsync(keys, size: 1);
        string[] sorted = [.. keys.Order(ObjectKeyOrder.Comparer)];

        Assert.Equal(sorted, await ListKeysAsync("page/"));
        // Starting in the middle still crosses a 1000-key page boundary.
        Assert.Equal(sorted[301..], await ListKeysAsync("page/", startAfter: sorted[300]));
        Assert.Equal(500, (await ListKeysAsync("page/1/")).Count);
    }

    [Fact]
    public async Task List_KeysWithSpacesAndUnicode_RoundTrip()
    {
        string[] keys = ["u/with space/x", "u/ünïcödé/ß", "u/plus+sign", "u/tilde~and=equals", "u/日本/語"];
        await PutAllAsync(keys, size: 5);

        Assert.Equal([.. keys.Order(ObjectKeyOrder.Comparer)], await ListKeysAsync("u/"));
        foreach (string key in keys)
            Assert.Equal(5, await Store.GetAsync(key, 0, new byte[10]));
    }

    [Fact]
    public async Task Multipart_ThreeParts_RoundTrips()
    {
        byte[][] parts = [Bytes(5 * MiB, seed: 11), Bytes(5 * MiB, seed: 12), Bytes(1 * MiB, seed: 13)];
        string uploadId = await Store.CreateMultipartAsync("mp/object");
        // Parts may be uploaded in any order; Complete assembles them by number.
        UploadedPart third = await Store.UploadPartAsync("mp/object", uploadId, 3, parts[2]);
        UploadedPart first = await Store.UploadPartAsync("mp/object", uploadId, 1, parts[0]);
        UploadedPart second = await Store.UploadPartAsync("mp/object", uploadId, 2, parts[1]);
        Assert.Null(await Store.HeadAsync("mp/object"));

        await Store.CompleteMultipartAsync("mp/object", uploadId, [first, second, third]);

        byte[] expected = [.. parts[0], .. parts[1], .. parts[2]];
        Assert.Equal(expected.Length, (await Store.HeadAsync("mp/object"))!.Value.Size);
        byte[] whole = new byte[expected.Length];
        Assert.Equal(expected.Length, await Store.GetAsync("mp/object", 0, whole));
        Assert.True(expected.AsSpan().SequenceEqual(whole), "the assembled object differs from its parts");
        byte[] acrossParts = new byte[1_000];
        Assert.Equal(1_000, await Store.GetAsync("mp/object", 5 * MiB - 500, acrossParts));
        Assert.True(expected.AsSpan(5 * MiB - 500, 1_000).SequenceEqual(acrossParts));
        Assert.Equal(["mp/object"], await ListKeysAsync("mp/"));
    }

    [Fact]
    public async Task Multipart_Abort_LeavesNothing()
    {
        string uploadId = await Store.CreateMultipartAsync("mp/aborted");
        await Store.UploadPartAsync("mp/aborted", uploadId, 1, Bytes(5 * MiB, seed: 14));

        await Store.AbortMultipartAsync("mp/aborted", uploadId);
        await Store.AbortMultipartAsync("mp/aborted", uploadId); // cleanup may be repeated

        Assert.Null(await Store.HeadAsync("mp/aborted"));
        Assert.Empty(await ListKeysAsync(""));
    }

    [Fact]
    public async Task ConcurrentPutsAndGets_16Tasks_AllRoundTrip()
    {
        const int Tasks = 16, ObjectsPerTask = 12, Size = 64 * 1024;
        await Task.WhenAll(Enumerable.Range(0, Tasks).Select(t => Task.Run(async () =>
        {
            byte[] buffer = new byte[Size];
            for (int i = 0; i < ObjectsPerTask; i++)
            {
                string key = $"conc/{t:D2}/{i:D3}";
                byte[] data = Bytes(Size, seed: 1_000 * t + i);
                await Store.PutAsync(key, data);
                Assert.Equal(Size, await Store.GetAsync(key, 0, buffer));
                Assert.True(data.AsSpan().SequenceEqual(buffer), $"{key} read back differently");
                // Read another task's object too, when it exists yet.
                string other = $"conc/{(t + 1) % Tasks:D2}/{i:D3}";
                if (await Store.HeadAsync(other) is not null)
                {
                    Assert.Equal(Size, await Store.GetAsync(other, 0, buffer));
                    Assert.True(Bytes(Size, seed: 1_000 * ((t + 1) % Tasks) + i).AsSpan().SequenceEqual(buffer), $"{other} read back differently");
                }
            }
        })));

        Assert.Equal(Tasks * ObjectsPerTask, (await ListKeysAsync("conc/")).Count);
    }

    [Fact]
    public async Task Put_EveryByteValue_RoundTrips()
    {
        byte[] data = new byte[256 * 16];
        for (int i = 0; i < data.Length; i++) data[i] = (byte)(i % 256);
        await Store.PutAsync("bin/all-bytes", data);

        byte[] buffer = new byte[data.Length];
        Assert.Equal(data.Length, await Store.GetAsync("bin/all-bytes", 0, buffer));
        Assert.Equal(data, buffer);
        byte[] slice = new byte[300];
        Assert.Equal(300, await Store.GetAsync("bin/all-bytes", 250, slice));
        Assert.Equal(data.AsSpan(250, 300).ToArray(), slice);
    }

    protected static byte[] Bytes(int length, int seed)
    {
        byte[] data = new byte[length];
        new Random(seed).NextBytes(data);
        return data;
    }

    protected async Task PutAllAsync(IReadOnlyList<string> keys, int size)
    {
        await Parallel.ForEachAsync(keys, new ParallelOptions { MaxDegreeOfParallelism = 16 },
            async (key, token) => await Store.PutAsync(key, Bytes(size, key.GetHashCode()), token));
    }

    protected async Task<List<string>> ListKeysAsync(string prefix, string? startAfter = null)
    {
        var keys = new List<string>();
        await foreach (ObjectInfo info in Store.ListAsync(prefix, startAfter)) keys.Add(info.Key);
        return keys;
    }
}
