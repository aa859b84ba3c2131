using System.Net;
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

namespace CurveFs.Common.Rpc;

/// <summary>
/// A gRPC endpoint without protoc: Kestrel on one address, HTTP/2 cleartext only (clients speak it with
/// prior knowledge), serving one service object whose handlers are bound to shared method descriptors
/// (<see cref="MetaRpc"/>, <see cref="MdsRpc"/>) by the caller's <c>bind</c> callback. The metaserver and
/// the MDS both run on it, in-process (tests, embedded mode) or from their Program.cs.
/// ASP.NET Core and gRPC log only warnings and errors through the given logger factory; there is no
/// line per request.
/// </summary>
public sealed class GrpcServer : IAsyncDisposable
{
    /// <summary>Largest request or reply accepted (a readdir page with attributes, a big slice commit).</summary>
    public const int MaxMessageBytes = 64 << 20;

    private readonly WebApplication _app;
    private int _stopped;

    private GrpcServer(WebApplication app, IPEndPoint bound)
    {
        _app = app;
        BoundEndpoint = bound;
    }

    /// <summary>The address the server listens on, with the real port when it was started on port 0.</summary>
    public IPEndPoint BoundEndpoint { get; }

    /// <summary>The bound address as "host:port", the form clients dial and NotLeader hints carry. A server
    /// listening on a wildcard address (0.0.0.0, [::]) must advertise a reachable address instead.</summary>
    public string Endpoint => BoundEndpoint.ToString();

    /// <summary>Starts listening; returns once the port is bound.</summary>
    /// <param name="applicationName">names the host in ASP.NET Core's own messages ("curvefs-mds").</param>
    /// <param name="service">the object whose methods handle the calls (one instance for all calls).</param>
    /// <param name="bind">adds each unary method: <c>context.AddUnaryMethod(Rpc.X, [], (s, request, call) =&gt; s.X(request, call))</c>.</param>
    /// <exception cref="IOException">the address is in use or cannot be bound.</exception>
    public static async Task<GrpcServer> StartAsync<TService>(IPEndPoint endpoint, string applicationName, TService service,
        Action<ServiceMethodProviderContext<TService>> bind, ILoggerFactory loggers, CancellationToken cancellationToken = default)
        where TService : class
    {
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions { ApplicationName = applicationName });
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
        builder.Services.AddSingleton(service);
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IServiceMethodProvider<TService>>(new MethodProvider<TService>(bind)));

        var app = builder.Build();
        app.UseRouting();
        app.MapGrpcService<TService>();
        await app.StartAsync(cancellationToken).ConfigureAwait(false);

        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault()
            ?? throw new InvalidOperationException("Kestrel started without reporting its address");
        return new GrpcServer(app, new IPEndPoint(endpoint.Address, new Uri(address).Port));
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
    private sealed class MethodProvider<TService>(Action<ServiceMethodProviderContext<TService>> bind) : IServiceMethodProvider<TService>
        where TService : class
    {
        public void OnServiceMethodDiscovery(ServiceMethodProviderContext<TService> context) => bind(context);
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
