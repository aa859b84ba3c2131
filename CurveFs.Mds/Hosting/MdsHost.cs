using System.Net;
using CurveFs.Common.Rpc;
using CurveFs.Mds.ChunkIds;
using CurveFs.Mds.Election;
using CurveFs.Mds.Etcd;
using CurveFs.Mds.FsManager;
using CurveFs.Mds.Service;
using CurveFs.Mds.Topology;
using Microsoft.Extensions.Logging;

namespace CurveFs.Mds.Hosting;

/// <summary>
/// A running MDS: the etcd client, the filesystem store, the chunk-ID allocator, the leader election and the
/// gRPC server. Usable in-process (tests, the playground) as well as from <c>curvefs-mds run</c>. It starts
/// whether or not etcd answers, serves once elected, and recovers by itself when etcd comes back.
/// </summary>
public sealed class MdsHost : IAsyncDisposable
{
    private readonly EtcdKv _etcd;
    private readonly GrpcServer _server;
    private readonly ILogger _logger;
    private int _disposed;

    private readonly MdsMaintenance _maintenance;

    private MdsHost(MdsConfig config, EtcdKv etcd, MdsKeys keys, FsStore filesystems, EtcdChunkIdAllocator chunkIds, MdsTopology topology,
        LeaderElection election, MdsMaintenance maintenance, GrpcServer server, ILogger logger)
    {
        Config = config;
        _etcd = etcd;
        Keys = keys;
        Filesystems = filesystems;
        ChunkIds = chunkIds;
        Topology = topology;
        Election = election;
        _maintenance = maintenance;
        _server = server;
        _logger = logger;
    }

    public MdsConfig Config { get; }

    /// <summary>"host:port" clients dial (the bound port when the config said port 0).</summary>
    public string RpcEndpoint => _server.Endpoint;

    public bool IsLeader => Election.IsLeader;

    public MdsKeys Keys { get; }
    public FsStore Filesystems { get; }
    public EtcdChunkIdAllocator ChunkIds { get; }
    /// <summary>Metaservers, copysets, partitions and sessions.</summary>
    public MdsTopology Topology { get; }
    public LeaderElection Election { get; }

    /// <summary>Starts serving RPC and campaigning for leadership; returns once the port is bound (not once elected).</summary>
    /// <exception cref="InvalidDataException">the configuration is invalid.</exception>
    /// <exception cref="IOException">the RPC address cannot be bound.</exception>
    public static async Task<MdsHost> StartAsync(MdsConfig config, ILoggerFactory loggers, CancellationToken cancellationToken = default)
    {
        config.Validate();
        var logger = loggers.CreateLogger("curvefs-mds");
        var etcd = new EtcdKv(new EtcdOptions { Endpoints = config.EtcdEndpoints, OperationTimeout = TimeSpan.FromMilliseconds(config.EtcdTimeoutMs) });
        var keys = new MdsKeys(config.KeyPrefix);
        var topology = new MdsTopology(etcd, keys, MdsTimings.From(config), loggers);
        try
        {
            var filesystems = new FsStore(etcd, keys, loggers.CreateLogger<FsStore>());
            var chunkIds = new EtcdChunkIdAllocator(etcd, keys, config.ChunkIdBundle, loggers.CreateLogger<EtcdChunkIdAllocator>());
            var service = new MdsRpcService(config.Name, etcd, filesystems, chunkIds, topology, loggers.CreateLogger<MdsRpcService>());
            var server = await MdsRpcServer.StartAsync(IPEndPoint.Parse(config.RpcEndpoint), service, loggers, cancellationToken).ConfigureAwait(false);
            var election = new LeaderElection(etcd, keys, config.Name, server.Endpoint,
                new ElectionOptions { LeaseTtl = TimeSpan.FromSeconds(config.LeaseTtlSeconds), PollInterval = PollIntervalFor(config.LeaseTtlSeconds) },
                loggers.CreateLogger<LeaderElection>());
            // A new term starts from a fresh bundle; a deposed leader keeps nothing.
            election.Elected += chunkIds.Reset;
            election.Deposed += chunkIds.Reset;
            // A new term reloads topology and sessions from etcd and counts its start as everyone's heartbeat.
            election.Elected += topology.Reset;
            election.Deposed += topology.Reset;
            var maintenance = new MdsMaintenance(election, topology.Registry, topology.Sessions, topology.Partitions, filesystems, topology.Timings,
                loggers.CreateLogger<MdsMaintenance>());
            topology.SessionClosed = maintenance.KickSessions;
            service.RpcEndpoint = server.Endpoint;
            service.Election = election;
            election.Start();
            maintenance.Start();
            logger.LogInformation("MDS {Name} listening on {Endpoint} (HTTP/2 cleartext); etcd {Etcd}, keys under {Prefix}, lease TTL {Ttl} s, session lease {Session} s",
                config.Name, server.Endpoint, etcd.EndpointList, keys.Prefix, config.LeaseTtlSeconds, config.SessionLeaseSeconds);
            return new MdsHost(config, etcd, keys, filesystems, chunkIds, topology, election, maintenance, server, logger);
        }
        catch
        {
            topology.Dispose();
            etcd.Dispose();
            throw;
        }
    }

    /// <summary>Standbys look at the leader key every second, or every TTL/4 for short TTLs.</summary>
    private static TimeSpan PollIntervalFor(int leaseTtlSeconds) =>
        TimeSpan.FromMilliseconds(Math.Min(1000, leaseTtlSeconds * 250));

    /// <summary>Stops like a killed process (the lease is left to expire in etcd), for failover tests.</summary>
    internal async Task CrashAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        await Election.AbandonAsync().ConfigureAwait(false);
        await _maintenance.DisposeAsync().ConfigureAwait(false);
        await Election.DisposeAsync().ConfigureAwait(false);
        await _server.DisposeAsync().ConfigureAwait(false);
        Topology.Dispose();
        _etcd.Dispose();
    }

    /// <summary>Steps down (revoking the lease, so a standby takes over at once), stops the server and closes etcd.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        await _maintenance.DisposeAsync().ConfigureAwait(false);
        await Election.DisposeAsync().ConfigureAwait(false);
        await _server.DisposeAsync().ConfigureAwait(false);
        Topology.Dispose();
        _etcd.Dispose();
        _logger.LogInformation("MDS {Name} stopped", Config.Name);
    }
}
