using System.Text;
using CurveFs.Common.Fs;
using CurveFs.Common.Meta;
using CurveFs.MetaServer.Hosting;
using CurveFs.Mount.Admin;
using CurveFs.Mount.Data;
using CurveFs.Mount.Meta;
using CurveFs.Mount.ObjectStore;
using Microsoft.Extensions.Logging.Abstractions;

namespace CurveFs.Tests.Mount.Admin;

/// <summary>ObjectGc over an in-process copyset and a local-directory store, with object ages set by file times.</summary>
public sealed class ObjectGcTests : IAsyncLifetime
{
    private const uint FsId = 1;
    private const uint BlockSize = 64 << 10;
    private static readonly TimeSpan Old = TimeSpan.FromHours(2);

    private readonly string _dir = Directory.CreateTempSubdirectory("curvefs-gc-").FullName;
    private LocalCopyset _copyset = null!;
    private EmbeddedMetaClient _meta = null!;
    private LocalDirObjectStore _store = null!;
    private EmbeddedCopysetAccess _access = null!;

    public async Task InitializeAsync()
    {
        _copyset = LocalCopyset.Open(Path.Combine(_dir, "meta"), new LocalCopysetOptions(), NullLogger.Instance);
        _meta = new EmbeddedMetaClient(_copyset, new FsInfo(FsId, "test", 1 << 20, BlockSize, FsInfo.DefaultCapacity));
        Assert.Equal(Errno.Ok, await _meta.InitializeAsync(0, 0, 0x1FF));
        _store = new LocalDirObjectStore(Path.Combine(_dir, "objects"), durable: false);
        _access = new EmbeddedCopysetAccess(_copyset);
    }

    public async Task DisposeAsync()
    {
        await _store.DisposeAsync();
        _copyset.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    [Fact]
    public async Task Run_ReferencedOldObject_IsNeverReported()
    {
        var ino = await CreateFileAsync("a", (7, 0, 1000));
        var key = await PutObjectAsync(ino, 7, 0, Old);

        var report = await GcAsync(TimeSpan.Zero, delete: true);

        Assert.Equal(0, report.Leaked);
        Assert.Equal(1, report.Referenced);
        Assert.NotNull(await _store.HeadAsync(key));
    }

    [Fact]
    public async Task Run_SlicesSharingOneChunkId_KeepEveryBlockOfIt()
    {
        // One flush: two slices of one chunk ID at different data offsets, data spanning three blocks.
        var ino = await CreateFileAsync("a", (9, 0, 3 * BlockSize - 10), (9, BlockSize * 2, 100));
        for (var block = 0; block < 3; block++) await PutObjectAsync(ino, 9, block, Old);

        var report = await GcAsync(TimeSpan.Zero, delete: true);

        Assert.Equal(0, report.Leaked);
        Assert.Equal(3, report.Referenced);
    }

    [Fact]
    public async Task Run_UnreferencedOldObject_IsReported()
    {
        var ino = await CreateFileAsync("a", (7, 0, 1000));
        await PutObjectAsync(ino, 7, 0, Old);
        var leak = await PutObjectAsync(ino, 8, 0, Old);

        var report = await GcAsync(TimeSpan.FromHours(1));

        Assert.Equal(1, report.Leaked);
        Assert.Equal(100, report.LeakedBytes);
        Assert.Equal(new[] { leak }, report.Examples);
        Assert.Equal(0, report.Deleted);
        Assert.NotNull(await _store.HeadAsync(leak));
    }

    [Fact]
    public async Task Run_UnreferencedYoungObject_IsNotReported()
    {
        await PutObjectAsync(42, 8, 0, TimeSpan.FromMinutes(5));

        var report = await GcAsync(TimeSpan.FromMinutes(10));

        Assert.Equal(0, report.Leaked);
        Assert.Equal(1, report.TooYoung);
    }

    [Fact]
    public async Task Run_ChunkIdNotHandedOutBeforeListing_IsNotReported()
    {
        await PutObjectAsync(42, 100, 0, Old);
        var leak = await PutObjectAsync(42, 99, 0, Old);

        var report = await GcAsync(TimeSpan.Zero, ceiling: 100, delete: true);

        Assert.Equal(1, report.Unissued);
        Assert.Equal(new[] { leak }, report.Examples);
        Assert.Null(await _store.HeadAsync(leak));
    }

    [Fact]
    public async Task Run_TrashReferencedObject_IsLeftToTheTrashCollector()
    {
        var ino = await CreateFileAsync("doomed", (12, 0, 1000));
        var key = await PutObjectAsync(ino, 12, 0, Old);
        Assert.Equal(Errno.Ok, (await _meta.ExecuteAsync(new UnlinkCommand { Parent = 1, Name = Encoding.UTF8.GetBytes("doomed") })).Error);
        Assert.Equal(Errno.Ok, (await _meta.ExecuteAsync(new PurgeInodeCommand { Ino = ino })).Error);
        Assert.Single(await _meta.ListTrashAsync(10));

        var report = await GcAsync(TimeSpan.Zero, delete: true);

        Assert.Equal(0, report.Leaked);
        Assert.NotNull(await _store.HeadAsync(key));
    }

    [Fact]
    public async Task Run_Delete_RemovesExactlyTheLeakedObjects()
    {
        var ino = await CreateFileAsync("a", (7, 0, 1000), (8, 1000, 1000));
        var kept = new List<string>
        {
            await PutObjectAsync(ino, 7, 0, Old),
            await PutObjectAsync(ino, 8, 0, Old),
            await PutObjectAsync(ino, 20, 0, TimeSpan.Zero), // young
        };
        var leaks = new List<string> { await PutObjectAsync(ino, 5, 0, Old), await PutObjectAsync(ino, 5, 1, Old), await PutObjectAsync(77, 6, 0, Old) };
        await _store.PutAsync($"{FsId}/not-a-block", new byte[3]); // foreign: never touched
        File.SetLastWriteTimeUtc(Path.Combine(_store.RootDirectory, $"{FsId}/not-a-block"), DateTime.UtcNow - Old);

        var report = await GcAsync(TimeSpan.FromHours(1), delete: true);

        Assert.Equal(3, report.Leaked);
        Assert.Equal(3, report.Deleted);
        Assert.Equal(1, report.Foreign);
        var left = new List<string>();
        await foreach (var info in _store.ListAsync("")) left.Add(info.Key);
        Assert.Equal(kept.Append($"{FsId}/not-a-block").Order(StringComparer.Ordinal), left.Order(StringComparer.Ordinal));
        Assert.Equal(0, (await GcAsync(TimeSpan.FromHours(1))).Leaked);
    }

    [Fact]
    public async Task Run_ObjectsOfAnotherFilesystem_AreNotListed()
    {
        await _store.PutAsync(ObjectKeyLayout.BlockKey(2, 42, 5, 0), new byte[10]);
        File.SetLastWriteTimeUtc(Path.Combine(_store.RootDirectory, ObjectKeyLayout.BlockKey(2, 42, 5, 0)), DateTime.UtcNow - Old);

        var report = await GcAsync(TimeSpan.Zero, delete: true);

        Assert.Equal(0, report.Objects);
        Assert.NotNull(await _store.HeadAsync(ObjectKeyLayout.BlockKey(2, 42, 5, 0)));
    }

    private Task<ObjectGcReport> GcAsync(TimeSpan minAge, ulong? ceiling = null, bool delete = false) =>
        new ObjectGc(FsId, _store, _access, _access.Copysets).RunAsync(new ObjectGcOptions { MinAge = minAge, ChunkIdCeiling = ceiling, Delete = delete });

    /// <summary>A file whose slices name the given chunk IDs: (chunkId, dataOffset, length) each, laid end to end.</summary>
    private async Task<ulong> CreateFileAsync(string name, params (ulong ChunkId, uint DataOffset, uint Length)[] slices)
    {
        var created = await _meta.ExecuteAsync(new CreateNodeCommand { Parent = 1, Name = Encoding.UTF8.GetBytes(name), Mode = FileModes.Regular | 0x1A4 });
        Assert.Equal(Errno.Ok, created.Error);
        var ino = created.Inode!.Ino;
        uint pos = 0;
        var commit = new CommitSlicesCommand { Ino = ino };
        foreach (var (chunkId, dataOffset, length) in slices)
        {
            var dataSize = slices.Where(s => s.ChunkId == chunkId).Max(s => s.DataOffset + s.Length);
            commit.Slices.Add(new NewSlice(0, new SliceRecord(chunkId, pos, length, dataOffset, dataSize)));
            pos += length;
        }
        commit.MinLength = pos;
        Assert.Equal(Errno.Ok, (await _meta.ExecuteAsync(commit)).Error);
        return ino;
    }

    private async Task<string> PutObjectAsync(ulong ino, ulong chunkId, long block, TimeSpan age)
    {
        var key = ObjectKeyLayout.BlockKey(FsId, ino, chunkId, block);
        await _store.PutAsync(key, new byte[100]);
        File.SetLastWriteTimeUtc(Path.Combine(_store.RootDirectory, key), DateTime.UtcNow - age);
        return key;
    }
}
