using System.Net;
using CurveFs.Common.Rpc;
using Grpc.AspNetCore.Server.Model;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace CurveFs.MetaServer.Service;

/// <summary>
/// The metaserver's gRPC endpoint: Kestrel on one address, HTTP/2 cleartext only (clients speak it
/// with prior knowledge), serving <see cref="MetaRpc"/> through <see cref="MetaRpcService"/>. Usable
/// in-process (tests, the embedded mode) as well as from the metaserver's Program.cs.
/// ASP.NET Core and gRPC log only warnings and errors through the given logger factory; there is no
/// line per request.
/// </summary>
public sealed class MetaRpcServer : IAsyncDisposable
{
    /// <summary>Largest request or reply accepted (a readdir page with attributes, a big slice commit).</summary>
    public const int MaxMessageBytes = 64 << 20;

    private readonly WebApplication _app;
    private int _stopped;

    private MetaRpcServer(WebApplication app, IPEndPoint bound, uint nodeId)
    {
        _app = app;
        BoundEndpoint = bound;
        NodeId = nodeId;
    }

    /// <summary>The address the server listens on, with the real port when it was started on port 0.</summary>
    public IPEndPoint BoundEndpoint { get; }

    /// <summary>The bound address as "host:port", the form clients dial and NotLeader hints carry. A server
    /// listening on a wildcard address (0.0.0.0, [::]) must advertise a reachable address instead.</summary>
    public string Endpoint => BoundEndpoint.ToString();

    public uint NodeId { get; }

    /// <summary>Starts listening; returns once the port is bound.</summary>
    /// <exception cref="IOException">the address is in use or cannot be bound.</exception>
    public static async Task<MetaRpcServer> StartAsync(IPEndPoint endpoint, uint nodeId, ICopysetRegistry registry, ILoggerFactory loggers, CancellationToken cancellationToken = default)
    {
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions { ApplicationName = "curvefs-metaserver" });
        builder.WebHost.UseKestrelCore().ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            // Many FUSE threads share one connection: let them all have a stream.
            kestrel.Limits.Http2.MaxStreamsPerConnection = 1024;
            kestrel.Limits.MaxRequestBodySize = MaxMessageBytes;
            kestrel.Listen(endpoint, listen => listen.Protocols = HttpProtocols.Http2);
        });
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(5));
        builder.Logging.ClearProviders();
        builder.Logging.SetMinimumLevel(LogLevel.Trace); // the given factory applies its own levels
        builder.Logging.AddFilter("Microsoft", LogLevel.Warning);
        builder.Logging.AddFilter("Grpc", LogLevel.Warning);
        builder.Logging.AddProvider(new ForwardingLoggerProvider(loggers));
        builder.Services.AddRoutingCore();
        builder.Services.AddGrpc(o =>
        {
            o.MaxReceiveMessageSize = MaxMessageBytes;
            o.MaxSendMessageSize = MaxMessageBytes;
        });
        builder.Services.AddSingleton(new MetaRpcService(nodeId, registry, loggers.CreateLogger<MetaRpcService>()));
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IServiceMethodProvider<MetaRpcService>, MethodProvider>());

        var app = builder.Build();
        app.UseRouting();
        app.MapGrpcService<MetaRpcService>();
        await app.StartAsync(cancellationToken).ConfigureAwait(false);

        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault()
            ?? throw new InvalidOperationException("Kestrel started without reporting its address");
        var bound = new IPEndPoint(endpoint.Address, new Uri(address).Port);
        loggers.CreateLogger<MetaRpcServer>().LogInformation("metaserver {Node}: RPC service listening on {Endpoint} (HTTP/2 cleartext)", nodeId, bound);
        return new MetaRpcServer(app, bound, nodeId);
    }

    /// <summary>Stops accepting calls and waits (up to 5 s) for the ones running to finish.</summary>
    public async Task StopAsync(CancellationToken cancellationToken = default)
    {
        if (Interlocked.Exchange(ref _stopped, 1) != 0) return;
        await _app.StopAsync(cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>Binds the shared method descriptors to the handlers (no protoc-generated binder).</summary>
    private sealed class MethodProvider : IServiceMethodProvider<MetaRpcService>
    {
        public void OnServiceMethodDiscovery(ServiceMethodProviderContext<MetaRpcService> context)
        {
            context.AddUnaryMethod(MetaRpc.Execute, [], (service, request, call) => service.Execute(request, call));
            context.AddUnaryMethod(MetaRpc.Query, [], (service, request, call) => service.Query(request, call));
            context.AddUnaryMethod(MetaRpc.Status, [], (service, request, call) => service.Status(request, call));
        }
    }

    /// <summary>Hands the host's log lines to the caller's factory without taking ownership of it.</summary>
    private sealed class ForwardingLoggerProvider(ILoggerFactory loggers) : ILoggerProvider
    {
        public ILogger CreateLogger(string categoryName) => loggers.CreateLogger(categoryName);

        public void Dispose()
        {
        }
    }
}
