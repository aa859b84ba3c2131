using CurveFs.Common.Data;
using CurveFs.Common.Fs;
using CurveFs.Common.Meta;
using CurveFs.Mount.Data;
using CurveFs.Mount.Data.DiskCache;
using CurveFs.Mount.Meta;
using CurveFs.Mount.ObjectStore;
using CurveFs.Mount.Vfs;
using Microsoft.Extensions.Logging;

namespace CurveFs.Mount.Hosting;

/// <summary>
/// The client half of a mount, whatever serves the metadata (the embedded copyset or a metaserver
/// cluster): the data client over the object store (and the disk cache, when configured), the trash collector, the chunk compactor and the VFS the FUSE session
/// talks to. Disposing flushes buffered writes and closes everything it was given.
/// </summary>
public sealed class ClientStack : IAsyncDisposable
{
    private readonly IObjectStore _store;
    private readonly TrashCollector _trash;
    private readonly ChunkCompactor _compactor;
    private readonly bool _readOnly;
    private readonly ILogger _logger;
    private readonly DiskBlockCache? _diskCache;

    public ClientStack(IMetaClient meta, IObjectStore store, IChunkIdSource chunkIds, DataClientOptions dataOptions, VfsOptions vfsOptions, ILoggerFactory loggers)
    {
        Meta = meta;
        _store = store;
        _logger = loggers.CreateLogger("curvefs");
        _diskCache = dataOptions.DiskCacheDir is null ? null : DiskBlockCache.Open(dataOptions, meta.Fs, loggers.CreateLogger<DiskBlockCache>());
        Data = new DataClient(meta, store, new ChunkIdPool(chunkIds), dataOptions, loggers.CreateLogger<DataClient>(), _diskCache);
        _trash = new TrashCollector(meta, store, loggers.CreateLogger<TrashCollector>());
        _compactor = new ChunkCompactor(Data, dataOptions, loggers.CreateLogger<ChunkCompactor>());
        _readOnly = vfsOptions.ReadOnly;
        Vfs = new CurveVfs(meta, Data, vfsOptions, loggers.CreateLogger<CurveVfs>());
    }

    public IMetaClient Meta { get; }
    public DataClient Data { get; }
    public CurveVfs Vfs { get; }
    public FsInfo Info => Meta.Fs;

    /// <summary>Starts background work. With <paramref name="purgeOrphans"/>, inodes left unlinked-but-open
    /// by a previous run are deleted first: only correct when no other client can hold them open.</summary>
    public async Task StartAsync(bool purgeOrphans)
    {
        if (purgeOrphans)
        {
            var orphans = await Meta.ListOrphansAsync().ConfigureAwait(false);
            foreach (var ino in orphans)
                await Meta.ExecuteAsync(new PurgeInodeCommand { Ino = ino, NowNs = Clock.NowNs() }).ConfigureAwait(false);
            if (orphans.Count > 0) _logger.LogInformation("deleted {Count} files that were unlinked while open", orphans.Count);
        }
        _trash.Start();
        if (!_readOnly) _compactor.Start(); // a read-only mount uploads nothing
    }

    /// <summary>Chunks the background compactor rewrote (tests, diagnostics).</summary>
    public long CompactedChunks => _compactor.Compacted;

    /// <summary>Deletes queued objects now (tests, gc).</summary>
    public Task<int> CollectTrashAsync() => _trash.CollectAsync();

    public async ValueTask DisposeAsync()
    {
        await _compactor.DisposeAsync().ConfigureAwait(false);
        var flushed = await Data.FlushAllAsync().ConfigureAwait(false);
        if (flushed != Errno.Ok) _logger.LogError("buffered writes could not be flushed at shutdown: {Errno}", flushed);
        await Data.StopReadAheadAsync().ConfigureAwait(false);
        if (_diskCache is not null) await _diskCache.DisposeAsync().ConfigureAwait(false);
        await _trash.DisposeAsync().ConfigureAwait(false);
        await _store.DisposeAsync().ConfigureAwait(false);
        await Meta.DisposeAsync().ConfigureAwait(false);
    }
}
