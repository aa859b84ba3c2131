using CurveFs.Common.Fs;
using CurveFs.Common.Meta;
using CurveFs.Mds.ChunkIds;
using CurveFs.Mds.Embedded;
using CurveFs.MetaServer.Hosting;
using CurveFs.Mount.Data;
using CurveFs.Mount.Meta;
using CurveFs.Mount.ObjectStore;
using CurveFs.Mount.Vfs;
using Microsoft.Extensions.Logging;

namespace CurveFs.Mount.Hosting;

/// <summary>
/// The embedded default: the MDS's parts (filesystem record, chunk-ID counter), one copyset and a
/// local-directory object store, all in this process and all under one data directory:
/// <code>
/// DATA_DIR/lock      held while a process uses the directory
/// DATA_DIR/fs.json   the filesystem's settings
/// DATA_DIR/chunkid   the chunk-ID counter
/// DATA_DIR/meta/     the copyset: snapshot + log
/// DATA_DIR/objects/  data blocks
/// </code>
/// </summary>
public sealed class EmbeddedFilesystem : IAsyncDisposable
{
    private readonly DataDirLock _lock;
    private readonly LocalCopyset _copyset;
    private readonly TrashCollector _trash;
    private readonly IObjectStore _store;

    private EmbeddedFilesystem(DataDirLock dirLock, LocalCopyset copyset, EmbeddedMetaClient meta, IObjectStore store, DataClient data, TrashCollector trash, CurveVfs vfs)
    {
        _lock = dirLock;
        _copyset = copyset;
        Meta = meta;
        _store = store;
        Data = data;
        _trash = trash;
        Vfs = vfs;
    }

    public EmbeddedMetaClient Meta { get; }
    public DataClient Data { get; }
    public CurveVfs Vfs { get; }
    public FsInfo Info => Meta.Fs;

    public static async Task<EmbeddedFilesystem> OpenAsync(EmbeddedOptions options, ILoggerFactory loggers)
    {
        var logger = loggers.CreateLogger("curvefs");
        var dataDir = Path.GetFullPath(options.DataDir);
        Directory.CreateDirectory(dataDir);
        var dirLock = DataDirLock.Acquire(dataDir, options.LockWait);
        LocalCopyset? copyset = null;
        try
        {
            var (info, created) = LocalFsRegistry.LoadOrCreate(dataDir, options.Name, options.ChunkSize, options.BlockSize, options.CapacityBytes);
            if (created) logger.LogInformation("created filesystem {Name} in {Dir} (chunk {Chunk} bytes, block {Block} bytes)", info.Name, dataDir, info.ChunkSize, info.BlockSize);
            copyset = LocalCopyset.Open(Path.Combine(dataDir, "meta"), new LocalCopysetOptions { SnapshotThresholdBytes = options.SnapshotThresholdBytes }, loggers.CreateLogger<LocalCopyset>());
            var meta = new EmbeddedMetaClient(copyset, info);
            var init = await meta.InitializeAsync(options.RootUid, options.RootGid, options.RootMode).ConfigureAwait(false);
            if (init != Errno.Ok) throw new IOException($"initializing filesystem {info.Name} failed: {init}");
            var store = new LocalDirObjectStore(Path.Combine(dataDir, "objects"));
            var chunkIds = new ChunkIdPool(new LocalChunkIdCounter(Path.Combine(dataDir, "chunkid")));
            var data = new DataClient(meta, store, chunkIds, options.Data, loggers.CreateLogger<DataClient>());
            var trash = new TrashCollector(meta, store, loggers.CreateLogger<TrashCollector>());
            var vfs = new CurveVfs(meta, data, options.Vfs, loggers.CreateLogger<CurveVfs>());
            var fs = new EmbeddedFilesystem(dirLock, copyset, meta, store, data, trash, vfs);
            await fs.PurgeOrphansAsync(logger).ConfigureAwait(false);
            trash.Start();
            return fs;
        }
        catch
        {
            copyset?.Dispose();
            dirLock.Dispose();
            throw;
        }
    }

    /// <summary>Inodes unlinked while open when the previous process stopped: no handle can hold them
    /// now (the embedded mode has one client), so they are deleted.</summary>
    private async Task PurgeOrphansAsync(ILogger logger)
    {
        var orphans = await Meta.ListOrphansAsync().ConfigureAwait(false);
        foreach (var ino in orphans)
            await Meta.ExecuteAsync(new PurgeInodeCommand { Ino = ino, NowNs = Clock.NowNs() }).ConfigureAwait(false);
        if (orphans.Count > 0) logger.LogInformation("deleted {Count} files that were unlinked while open", orphans.Count);
    }

    /// <summary>Deletes queued objects now (tests, gc).</summary>
    public Task<int> CollectTrashAsync() => _trash.CollectAsync();

    public async ValueTask DisposeAsync()
    {
        await Data.FlushAllAsync().ConfigureAwait(false);
        await _trash.DisposeAsync().ConfigureAwait(false);
        await _store.DisposeAsync().ConfigureAwait(false);
        // A clean stop leaves a snapshot and an empty log, so the next start loads quickly.
        _copyset.TakeSnapshot(wait: true);
        _copyset.Dispose();
        _lock.Dispose();
    }
}
