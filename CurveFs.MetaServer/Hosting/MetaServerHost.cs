using System.Net;
using CurveFs.MetaServer.Raft;
using CurveFs.MetaServer.Service;
using Microsoft.Extensions.Logging;

namespace CurveFs.MetaServer.Hosting;

/// <summary>
/// A running metaserver: one Raft copyset per configured copyset, the gRPC server that exposes them, and (with
/// <see cref="MetaServerConfig.MdsEndpoints"/>) its registration and heartbeat with the MDS.
/// Usable in-process (tests, benchmarks) as well as from <c>curvefs-metaserver run</c>.
/// </summary>
public sealed class MetaServerHost : IAsyncDisposable
{
    private readonly List<RaftCopyset> _copysets;
    private readonly MetaRpcServer _server;
    private readonly ILogger _logger;

    private MetaServerHost(MetaServerConfig config, List<RaftCopyset> copysets, MetaRpcServer server, MdsRegistration? registration, ILogger logger)
    {
        Config = config;
        _copysets = copysets;
        _server = server;
        Registration = registration;
        _logger = logger;
    }

    public MetaServerConfig Config { get; }

    /// <summary>The registration with the MDS, when the configuration names MDS endpoints.</summary>
    public MdsRegistration? Registration { get; }
    public string RpcEndpoint => _server.Endpoint;
    public IReadOnlyList<RaftCopyset> Copysets => _copysets;

    public static async Task<MetaServerHost> StartAsync(MetaServerConfig config, ILoggerFactory loggers, CancellationToken cancellationToken = default)
    {
        var logger = loggers.CreateLogger("curvefs-metaserver");
        var copysets = new List<RaftCopyset>();
        try
        {
            foreach (var copyset in config.Copysets)
            {
                var options = new RaftCopysetOptions
                {
                    CopysetId = copyset.CopysetId,
                    NodeId = config.NodeId.ToString(),
                    Peers = copyset.Peers.Select(p => new RaftPeer(p.NodeId.ToString(), p.RaftEndpoint, p.RpcEndpoint)).ToList(),
                    DataDirectory = Path.Combine(config.DataDir, $"copyset-{copyset.CopysetId}"),
                    SnapshotThreshold = config.SnapshotEveryEntries,
                    ElectionTimeoutLower = TimeSpan.FromMilliseconds(config.ElectionTimeoutMs[0]),
                    ElectionTimeoutUpper = TimeSpan.FromMilliseconds(config.ElectionTimeoutMs[1]),
                };
                copysets.Add(await RaftCopyset.StartAsync(options, loggers, cancellationToken).ConfigureAwait(false));
            }
            var registry = new CopysetRegistry(copysets);
            var server = await MetaRpcServer.StartAsync(IPEndPoint.Parse(config.RpcEndpoint), (uint)config.NodeId, registry, loggers, cancellationToken).ConfigureAwait(false);
            logger.LogInformation("metaserver {Node} serving {Count} copyset(s) at {Endpoint}", config.NodeId, copysets.Count, server.Endpoint);
            MdsRegistration? registration = null;
            if (config.MdsEndpoints.Count > 0)
            {
                registration = new MdsRegistration(config, config.AdvertisedRpcEndpoint, loggers.CreateLogger<MdsRegistration>());
                registration.Start();
            }
            return new MetaServerHost(config, copysets, server, registration, logger);
        }
        catch
        {
            foreach (var copyset in copysets) await copyset.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Registration is not null) await Registration.DisposeAsync().ConfigureAwait(false);
        await _server.DisposeAsync().ConfigureAwait(false);
        foreach (var copyset in _copysets) await copyset.DisposeAsync().ConfigureAwait(false);
        _logger.LogInformation("metaserver {Node} stopped", Config.NodeId);
    }
}
