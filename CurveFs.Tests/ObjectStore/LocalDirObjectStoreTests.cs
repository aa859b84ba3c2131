using CurveFs.Mount.ObjectStore;
using Xunit;

namespace CurveFs.Tests.ObjectStore;

/// <summary>What only the local-directory store promises: the file layout, key checks and hidden files.</summary>
public sealed class LocalDirObjectStoreTests : IAsyncLifetime
{
    private readonly string _root = Directory.CreateTempSubdirectory("curvefs-objstore-").FullName;
    private LocalDirObjectStore _store = null!;

    public Task InitializeAsync()
    {
        _store = new LocalDirObjectStore(_root);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await _store.DisposeAsync();
        Directory.Delete(_root, recursive: true);
    }

    [Theory]
    [InlineData("")]
    [InlineData("../escape")]
    [InlineData("a/../../escape")]
    [InlineData("a/..")]
    [InlineData("/absolute")]
    [InlineData("a//b")]
    [InlineData("a/")]
    [InlineData(".")]
    [InlineData("a/./b")]
    [InlineData("a\0b")]
    [InlineData(".curvefs-multipart/x")]
    [InlineData("a/.curvefs-tmp.123")]
    public async Task AnyOperation_InvalidKey_ThrowsObjectStoreException(string key)
    {
        var put = await Assert.ThrowsAsync<ObjectStoreException>(() => _store.PutAsync(key, new byte[1]));
        Assert.Contains("invalid object key", put.Message);
        Assert.Contains(_root, put.Message);
        await Assert.ThrowsAsync<ObjectStoreException>(() => _store.GetAsync(key, 0, new byte[1]));
        await Assert.ThrowsAsync<ObjectStoreException>(() => _store.HeadAsync(key));
        await Assert.ThrowsAsync<ObjectStoreException>(() => _store.DeleteAsync(key));
        await Assert.ThrowsAsync<ObjectStoreException>(() => _store.CreateMultipartAsync(key));
        Assert.False(File.Exists(Path.Join(Path.GetDirectoryName(_root), "escape")));
    }

    [Fact]
    public async Task Put_Key_IsAPlainFileUnderTheRoot()
    {
        byte[] data = [1, 2, 3];
        await _store.PutAsync("fs1/0a/block", data);

        Assert.Equal(data, await File.ReadAllBytesAsync(Path.Join(_root, "fs1", "0a", "block")));
        Assert.Empty(Directory.EnumerateFiles(_root, ".curvefs-tmp.*", SearchOption.AllDirectories));
    }

    [Fact]
    public async Task List_StrayTemporaryFilesAndStaging_AreNotListed()
    {
        await _store.PutAsync("d/visible", new byte[1]);
        await File.WriteAllBytesAsync(Path.Join(_root, "d", ".curvefs-tmp.left-by-a-crash"), new byte[1]);
        string uploadId = await _store.CreateMultipartAsync("d/pending");
        await _store.UploadPartAsync("d/pending", uploadId, 1, new byte[10]);

        var keys = new List<string>();
        await foreach (ObjectInfo info in _store.ListAsync("")) keys.Add(info.Key);

        Assert.Equal(["d/visible"], keys);
        Assert.True(Directory.Exists(Path.Join(_root, ".curvefs-multipart", uploadId)));
    }

    [Fact]
    public async Task Put_UnderAKeyThatIsAnObject_ThrowsNamingTheKey()
    {
        await _store.PutAsync("a", new byte[1]);

        var e = await Assert.ThrowsAsync<ObjectStoreException>(() => _store.PutAsync("a/b", new byte[1]));

        Assert.Contains("'a/b'", e.Message);
        Assert.Contains("'a' is an object", e.Message);
        Assert.Null(await _store.HeadAsync("a/b"));
        await Assert.ThrowsAsync<ObjectNotFoundException>(() => _store.GetAsync("a/b", 0, new byte[1]));
    }

    [Fact]
    public async Task Head_KeyThatIsADirectory_ReturnsNull()
    {
        await _store.PutAsync("dir/file", new byte[1]);

        Assert.Null(await _store.HeadAsync("dir"));
        await Assert.ThrowsAsync<ObjectNotFoundException>(() => _store.GetAsync("dir", 0, new byte[1]));
        await _store.DeleteAsync("dir");
        Assert.NotNull(await _store.HeadAsync("dir/file"));
    }

    [Fact]
    public async Task CompleteMultipart_WrongETag_ThrowsAndWritesNothing()
    {
        string uploadId = await _store.CreateMultipartAsync("mp/x");
        UploadedPart part = await _store.UploadPartAsync("mp/x", uploadId, 1, new byte[100]);

        var e = await Assert.ThrowsAsync<ObjectStoreException>(() =>
            _store.CompleteMultipartAsync("mp/x", uploadId, [part with { ETag = "0123456789abcdef0123456789abcdef" }]));

        Assert.Contains("ETag", e.Message);
        Assert.Null(await _store.HeadAsync("mp/x"));
        Assert.Empty(Directory.EnumerateFiles(Path.Join(_root, "mp"), "*", SearchOption.AllDirectories));
    }

    [Fact]
    public async Task Multipart_UploadIdOfAnotherKeyOrMalformed_Throws()
    {
        string uploadId = await _store.CreateMultipartAsync("mp/one");

        await Assert.ThrowsAsync<ObjectStoreException>(() => _store.UploadPartAsync("mp/two", uploadId, 1, new byte[1]));
        await Assert.ThrowsAsync<ObjectStoreException>(() => _store.UploadPartAsync("mp/one", "../../etc", 1, new byte[1]));
        await Assert.ThrowsAsync<ObjectStoreException>(() => _store.UploadPartAsync("mp/one", uploadId, 0, new byte[1]));
    }

    [Fact]
    public async Task UploadPart_AfterAbort_ThrowsAndRecreatesNothing()
    {
        string uploadId = await _store.CreateMultipartAsync("mp/gone");
        await _store.AbortMultipartAsync("mp/gone", uploadId);

        var e = await Assert.ThrowsAsync<ObjectStoreException>(() => _store.UploadPartAsync("mp/gone", uploadId, 1, new byte[1]));

        Assert.Contains("does not exist", e.Message);
        Assert.False(Directory.Exists(Path.Join(_root, ".curvefs-multipart", uploadId)));
    }

    [Fact]
    public async Task Sync_AfterPuts_SucceedsAndAFailingSyncIsAnError()
    {
        await _store.PutAsync("a/b", new byte[] { 1, 2, 3 });
        await _store.SyncAsync();
        await _store.SyncAsync(); // nothing pending

        var gone = Directory.CreateTempSubdirectory("curvefs-objstore-gone-").FullName;
        var store = new LocalDirObjectStore(gone);
        await store.PutAsync("x", new byte[] { 4 });
        Directory.Delete(gone, recursive: true);
        var error = await Assert.ThrowsAsync<ObjectStoreException>(() => store.SyncAsync());
        Assert.Contains("flushing objects to disk failed", error.Message);
    }
}
