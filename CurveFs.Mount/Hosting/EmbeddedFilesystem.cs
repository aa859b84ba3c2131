using CurveFs.Common.Fs;
using CurveFs.Common.Meta;
using CurveFs.Mds.ChunkIds;
using CurveFs.Mds.Embedded;
using CurveFs.MetaServer.Hosting;
using CurveFs.Mount.Meta;
using CurveFs.Mount.ObjectStore;
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

    private EmbeddedFilesystem(DataDirLock dirLock, LocalCopyset copyset, ClientStack client)
    {
        _lock = dirLock;
        _copyset = copyset;
        Client = client;
    }

    public ClientStack Client { get; }
    public FsInfo Info => Client.Info;

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
            var client = new ClientStack(meta, store, new LocalChunkIdCounter(Path.Combine(dataDir, "chunkid")), options.Data, options.Vfs, loggers);
            // One process owns the data directory, so nothing else can hold an orphan open.
            await client.StartAsync(purgeOrphans: true).ConfigureAwait(false);
            return new EmbeddedFilesystem(dirLock, copyset, client);
        }
        catch
        {
            copyset?.Dispose();
            dirLock.Dispose();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Client.DisposeAsync().ConfigureAwait(false);
        // A clean stop leaves a snapshot and an empty log, so the next start loads quickly.
        _copyset.TakeSnapshot(wait: true);
        _copyset.Dispose();
        _lock.Dispose();
    }
}
