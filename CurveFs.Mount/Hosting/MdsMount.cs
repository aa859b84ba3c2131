using CurveFs.Common.Rpc;
using CurveFs.Mount.Data;
using CurveFs.Mount.Meta;
using CurveFs.Mount.Meta.Topology;
using CurveFs.Mount.ObjectStore;
using CurveFs.Mount.Vfs;
using Microsoft.Extensions.Logging;

namespace CurveFs.Mount.Hosting;

/// <summary>
/// A mount of a full cluster: the MDS names the filesystem's settings, its data store (S3), the copysets
/// and partitions (<see cref="MdsTopology"/>), hands out chunk IDs and keeps the mount's session.
/// </summary>
public sealed class MdsMount : IAsyncDisposable
{
    private readonly MdsClient _mds;
    private readonly MdsSession _session;

    private MdsMount(MdsClient mds, MdsSession session, ClientStack client)
    {
        _mds = mds;
        _session = session;
        Client = client;
    }

    public ClientStack Client { get; }

    /// <exception cref="IOException">the MDS or the metaservers cannot be reached, or the filesystem does not exist (the message says which).</exception>
    public static async Task<MdsMount> OpenAsync(string mdsEndpoints, string fsName, ObjectStoreLocation? storage, string mountPoint,
        DataClientOptions data, VfsOptions vfs, ILoggerFactory loggers)
    {
        var logger = loggers.CreateLogger("curvefs");
        var mds = MdsClient.ForEndpoints(mdsEndpoints, logger: logger);
        MdsSession? session = null;
        try
        {
            var record = await mds.GetFsAsync(fsName).ConfigureAwait(false)
                ?? throw new IOException($"no filesystem named '{fsName}' in the MDS at {mds.EndpointList}: create it (curvefs create-fs --mds ...) or check the name (curvefs list-fs --mds {mdsEndpoints})");
            var topology = await MdsTopology.LoadAsync(mds, record.Info.FsId, loggers.CreateLogger<MdsTopology>()).ConfigureAwait(false);
            if (topology.Copysets.Count == 0)
                throw new IOException($"filesystem '{fsName}' has no partitions yet: the MDS has not initialized it on any metaserver (curvefs status --mds {mdsEndpoints})");
            var endpoints = topology.Copysets.SelectMany(topology.EndpointsOf).Distinct().ToList();
            session = await MdsSession.OpenAsync(mds, record.Info.FsId, mountPoint, logger).ConfigureAwait(false);
            var meta = new ClusterMetaClient(new ClusterMetaClientOptions { Endpoints = endpoints }, record.Info, topology, loggers.CreateLogger<ClusterMetaClient>(), session.Id);
            session.Reopened = meta.ChangeClientId;
            session.Start();
            var store = (storage ?? FromRecord(record)).Open();
            var client = new ClientStack(meta, store, new MdsChunkIdSource(mds), data, vfs, loggers);
            // Other mounts may hold orphans open: the MDS cleans a mount's holds when its session expires.
            await client.StartAsync(purgeOrphans: false).ConfigureAwait(false);
            logger.LogInformation("fs '{Name}' (id {FsId}): {Copysets} copysets, data in {Store}, session {Session}", fsName, record.Info.FsId, topology.Copysets.Count, store.Description, session.Id);
            return new MdsMount(mds, session, client);
        }
        catch
        {
            if (session is not null) await session.DisposeAsync().ConfigureAwait(false);
            mds.Dispose();
            throw;
        }
    }

    /// <summary>The data store a filesystem record names (its S3 settings).</summary>
    internal static ObjectStoreLocation FromRecord(CurveFs.Common.Meta.FsRecord record) =>
        new(null, new S3StoreOptions(record.S3.Endpoint, record.S3.Bucket, record.S3.AccessKey, record.S3.SecretKey)
        {
            Region = record.S3.Region,
            KeyPrefix = record.S3.KeyPrefix,
        });

    public async ValueTask DisposeAsync()
    {
        await Client.DisposeAsync().ConfigureAwait(false);
        await _session.DisposeAsync().ConfigureAwait(false);
        _mds.Dispose();
    }
}
