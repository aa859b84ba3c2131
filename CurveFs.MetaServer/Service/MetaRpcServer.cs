using System.Net;
using CurveFs.Common.Rpc;
using Microsoft.Extensions.Logging;

namespace CurveFs.MetaServer.Service;

/// <summary>
/// The metaserver's gRPC endpoint: a <see cref="GrpcServer"/> serving <see cref="MetaRpc"/> through
/// <see cref="MetaRpcService"/>. Usable in-process (tests, the embedded mode) as well as from the
/// metaserver's Program.cs.
/// </summary>
public sealed class MetaRpcServer : IAsyncDisposable
{
    /// <summary>Largest request or reply accepted (a readdir page with attributes, a big slice commit).</summary>
    public const int MaxMessageBytes = GrpcServer.MaxMessageBytes;

    private readonly GrpcServer _server;

    private MetaRpcServer(GrpcServer server, uint nodeId)
    {
        _server = server;
        NodeId = nodeId;
    }

    /// <summary>The address the server listens on, with the real port when it was started on port 0.</summary>
    public IPEndPoint BoundEndpoint => _server.BoundEndpoint;

    /// <summary>The bound address as "host:port", the form clients dial and NotLeader hints carry.</summary>
    public string Endpoint => _server.Endpoint;

    public uint NodeId { get; }

    /// <summary>Starts listening; returns once the port is bound.</summary>
    /// <exception cref="IOException">the address is in use or cannot be bound.</exception>
    public static async Task<MetaRpcServer> StartAsync(IPEndPoint endpoint, uint nodeId, ICopysetRegistry registry, ILoggerFactory loggers, CancellationToken cancellationToken = default)
    {
        var service = new MetaRpcService(nodeId, registry, loggers.CreateLogger<MetaRpcService>());
        var server = await GrpcServer.StartAsync(endpoint, "curvefs-metaserver", service, context =>
        {
            context.AddUnaryMethod(MetaRpc.Execute, [], (s, request, call) => s.Execute(request, call));
            context.AddUnaryMethod(MetaRpc.Query, [], (s, request, call) => s.Query(request, call));
            context.AddUnaryMethod(MetaRpc.Status, [], (s, request, call) => s.Status(request, call));
        }, loggers, cancellationToken).ConfigureAwait(false);
        loggers.CreateLogger<MetaRpcServer>().LogInformation("metaserver {Node}: RPC service listening on {Endpoint} (HTTP/2 cleartext)", nodeId, server.BoundEndpoint);
        return new MetaRpcServer(server, nodeId);
    }

    /// <summary>Stops accepting calls and waits (up to 5 s) for the ones running to finish.</summary>
    public Task StopAsync(CancellationToken cancellationToken = default) => _server.StopAsync(cancellationToken);

    public ValueTask DisposeAsync() => _server.DisposeAsync();
}
