using CurveFs.Common.Meta;
using CurveFs.Common.Rpc;
using CurveFs.Mds.ChunkIds;
using CurveFs.Mds.Embedded;
using CurveFs.MetaServer.Hosting;
using CurveFs.Mount.Hosting;
using CurveFs.Mount.Meta;
using CurveFs.Mount.Meta.Topology;
using CurveFs.Mount.Meta.Transactions;
using CurveFs.Mount.ObjectStore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace CurveFs.Mount.Cli;

/// <summary>
/// A filesystem opened for the admin commands (fsck, gc): its copysets, its data store when known, and a way
/// to learn which chunk IDs were handed out. Either an unmounted embedded data directory (held locked
/// meanwhile) or a cluster through its MDS (or, without a store, its metaservers).
/// </summary>
internal sealed class AdminTarget : IAsyncDisposable
{
    private readonly Func<ValueTask> _dispose;
    private readonly Func<Task<ulong?>> _chunkIdCeiling;

    private AdminTarget(FsInfo fs, ICopysetAccess copysets, IInodeLocator locator, IReadOnlyList<uint> copysetIds, IObjectStore? store,
        Func<Task<ulong?>> chunkIdCeiling, Func<ValueTask> dispose)
    {
        Fs = fs;
        Copysets = copysets;
        Locator = locator;
        CopysetIds = copysetIds;
        Store = store;
        _chunkIdCeiling = chunkIdCeiling;
        _dispose = dispose;
    }

    public FsInfo Fs { get; }
    public ICopysetAccess Copysets { get; }
    public IInodeLocator Locator { get; }
    public IReadOnlyList<uint> CopysetIds { get; }
    /// <summary>Null when not asked for (cluster), or for --metaservers without --storage.</summary>
    public IObjectStore? Store { get; }

    /// <summary>The first chunk ID not yet handed out, or null when it cannot be known.</summary>
    public Task<ulong?> ReadChunkIdCeilingAsync() => _chunkIdCeiling();

    /// <summary>An embedded data directory; refuses while a mount (or another command) uses it.</summary>
    /// <exception cref="IOException">not a data directory, in use, or unreadable (the message says which).</exception>
    public static AdminTarget OpenLocal(string dataDir)
    {
        dataDir = Path.GetFullPath(dataDir);
        if (!File.Exists(Path.Combine(dataDir, LocalFsRegistry.FileName)))
            throw new IOException($"{dataDir} is not a curvefs data directory (no {LocalFsRegistry.FileName})");
        // No waiting: a mounted directory must be unmounted first, and the lock keeps a mount out while we run.
        var dirLock = DataDirLock.Acquire(dataDir, TimeSpan.Zero);
        LocalCopyset? copyset = null;
        try
        {
            var (info, _) = LocalFsRegistry.LoadOrCreate(dataDir, "", 0, 0, 0);
            copyset = LocalCopyset.Open(Path.Combine(dataDir, "meta"), new LocalCopysetOptions(), NullLogger<LocalCopyset>.Instance);
            var access = new EmbeddedCopysetAccess(copyset);
            var counterPath = Path.Combine(dataDir, "chunkid");
            ulong? ceiling = File.Exists(counterPath) ? new LocalChunkIdCounter(counterPath).Next : 1;
            var store = new LocalDirObjectStore(Path.Combine(dataDir, "objects"));
            var opened = copyset;
            return new AdminTarget(info, access, access, access.Copysets, store, () => Task.FromResult(ceiling), async () =>
            {
                await store.DisposeAsync().ConfigureAwait(false);
                opened.Dispose();
                dirLock.Dispose();
            });
        }
        catch (Exception e) when (e is InvalidDataException or UnauthorizedAccessException)
        {
            copyset?.Dispose();
            dirLock.Dispose();
            throw new IOException($"cannot read data directory {dataDir}: {e.Message}", e);
        }
        catch
        {
            copyset?.Dispose();
            dirLock.Dispose();
            throw;
        }
    }

    /// <summary>A cluster filesystem through its MDS; the data store is the record's unless <paramref name="storage"/> overrides it.</summary>
    /// <exception cref="IOException">the MDS or the filesystem cannot be found.</exception>
    public static async Task<AdminTarget> OpenMdsAsync(string endpoints, string fsName, ObjectStoreLocation? storage, bool openStore, ILogger logger)
    {
        var mds = MdsClient.ForEndpoints(endpoints, logger: logger);
        try
        {
            var record = await mds.GetFsAsync(fsName).ConfigureAwait(false) ?? throw new IOException($"no filesystem named '{fsName}' in the MDS at {endpoints}");
            var topology = await MdsTopology.LoadAsync(mds, record.Info.FsId, logger).ConfigureAwait(false);
            var metaEndpoints = topology.Copysets.SelectMany(topology.EndpointsOf).Distinct().ToList();
            if (metaEndpoints.Count == 0) throw new IOException($"filesystem '{fsName}' has no copysets in the MDS's topology");
            var client = new ClusterMetaClient(new ClusterMetaClientOptions { Endpoints = metaEndpoints }, record.Info, topology, logger, clientId: 0);
            var store = openStore ? (storage ?? MdsMount.FromRecord(record)).Open() : null;
            // The MDS has no read-only counter RPC: reserving one ID costs a skipped ID and returns one above
            // every ID handed out before (the MDS's counter only grows, across failovers too).
            async Task<ulong?> Ceiling() => (await mds.AllocateChunkIdsAsync(1).ConfigureAwait(false)).Start;
            return new AdminTarget(record.Info, client, client, client.Copysets, store, Ceiling, async () =>
            {
                if (store is not null) await store.DisposeAsync().ConfigureAwait(false);
                await client.DisposeAsync().ConfigureAwait(false);
                mds.Dispose();
            });
        }
        catch
        {
            mds.Dispose();
            throw;
        }
    }

    /// <summary>A cluster without an MDS: its metaservers, and a data store only when given.</summary>
    public static async Task<AdminTarget> OpenMetaServersAsync(string endpoints, string fsName, ObjectStoreLocation? storage, ILogger logger)
    {
        var options = new ClusterMetaClientOptions { Endpoints = endpoints.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) };
        var client = await ClusterMetaClient.ConnectAsync(options, fsName, logger).ConfigureAwait(false);
        var store = storage?.Open();
        return new AdminTarget(client.Fs, client, client, client.Copysets, store, () => Task.FromResult<ulong?>(null), async () =>
        {
            if (store is not null) await store.DisposeAsync().ConfigureAwait(false);
            await client.DisposeAsync().ConfigureAwait(false);
        });
    }

    public ValueTask DisposeAsync() => _dispose();
}
