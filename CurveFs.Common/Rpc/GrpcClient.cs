using CurveFs.Common.Rpc;
using System.Collections.Concurrent;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using Grpc.Core;
using Grpc.Net.Client;

namespace CurveFs.Common.Rpc;

/// <summary>
/// Calls unary methods of a CurveFs gRPC service (<see cref="MetaRpc"/>, <see cref="MdsRpc"/>): one channel
/// (HTTP/2 cleartext, prior knowledge) per endpoint, created on first use and kept; every call has a
/// deadline. A call that does not reach a server or gets no reply in time throws
/// <see cref="RpcCallException"/>, naming the kind of server (<paramref name="serverKind"/>: "metaserver",
/// "MDS"), its endpoint, the method and the reason. Thread-safe.
/// </summary>
public sealed partial class GrpcClient(string serverKind, TimeSpan callTimeout) : IDisposable
{
    private readonly ConcurrentDictionary<string, Lazy<Connection>> _channels = new();
    private int _disposed;

    /// <summary>"metaserver" or "MDS": how messages name the servers this client calls.</summary>
    public string ServerKind { get; } = serverKind;

    /// <summary>The deadline of a call that does not name its own.</summary>
    public TimeSpan CallTimeout { get; } = callTimeout > TimeSpan.Zero ? callTimeout : throw new ArgumentOutOfRangeException(nameof(callTimeout));

    /// <summary>One unary call to <paramref name="endpoint"/> ("host:port").</summary>
    /// <exception cref="RpcCallException">no reply: connection refused or lost, deadline passed, server failure.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public async Task<TReply> CallAsync<TRequest, TReply>(Method<TRequest, TReply> method, string endpoint, TRequest request, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
        where TRequest : class
        where TReply : class
    {
        var deadline = timeout ?? CallTimeout;
        var invoker = ConnectionTo(endpoint).Invoker;
        try
        {
            using var call = invoker.AsyncUnaryCall(method, null, new CallOptions(deadline: DateTime.UtcNow + deadline, cancellationToken: cancellationToken), request);
            return await call.ResponseAsync.ConfigureAwait(false);
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.Cancelled && cancellationToken.IsCancellationRequested)
        {
            throw new OperationCanceledException($"{method.Name} to {endpoint} was cancelled", e, cancellationToken);
        }
        catch (RpcException e)
        {
            throw new RpcCallException(ServerKind, endpoint, method.Name, e.StatusCode, Describe(e, deadline), e);
        }
    }

    /// <summary>"host:port" (or a full http:// address) as the URI a channel connects to.</summary>
    /// <exception cref="ArgumentException">not an endpoint; the message shows the expected form.</exception>
    public static Uri ToAddress(string endpoint, string serverKind = "server")
    {
        var text = endpoint.Contains("://", StringComparison.Ordinal) ? endpoint : "http://" + endpoint;
        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || uri.Scheme != Uri.UriSchemeHttp || uri.AbsolutePath != "/"
            || !ExplicitPort().IsMatch(text))
            throw new ArgumentException($"'{endpoint}' is not a {serverKind} RPC endpoint: expected host:port, e.g. 127.0.0.1:6700", nameof(endpoint));
        return uri;
    }

    /// <summary>Splits "A,B,C" into trimmed endpoints, checking each.</summary>
    public static IReadOnlyList<string> ParseList(string endpoints, string serverKind)
    {
        var list = endpoints.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (list.Length == 0) throw new ArgumentException($"no {serverKind} endpoints given: list at least one RPC address (host:port)");
        foreach (var endpoint in list) ToAddress(endpoint, serverKind);
        return list;
    }

    [GeneratedRegex(@":[0-9]{1,5}/?$")]
    private static partial Regex ExplicitPort();

    private sealed record Connection(GrpcChannel Channel, CallInvoker Invoker);

    private Connection ConnectionTo(string endpoint)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        return _channels.GetOrAdd(endpoint, e => new Lazy<Connection>(() =>
        {
            var channel = CreateChannel(e);
            return new Connection(channel, channel.CreateCallInvoker());
        })).Value;
    }

    private GrpcChannel CreateChannel(string endpoint) =>
        GrpcChannel.ForAddress(ToAddress(endpoint, ServerKind), new GrpcChannelOptions
        {
            HttpHandler = new SocketsHttpHandler
            {
                // A second connection opens when the server's stream limit is reached.
                EnableMultipleHttp2Connections = true,
                ConnectTimeout = CallTimeout,
                PooledConnectionIdleTimeout = Timeout.InfiniteTimeSpan,
                // Finds a dead peer behind an open socket (a frozen or partitioned server).
                KeepAlivePingDelay = TimeSpan.FromSeconds(20),
                KeepAlivePingTimeout = TimeSpan.FromSeconds(10),
                KeepAlivePingPolicy = HttpKeepAlivePingPolicy.WithActiveRequests,
            },
            // The default reconnect backoff grows to 2 minutes; a server that comes back must be used
            // within the client's own retry budget.
            InitialReconnectBackoff = TimeSpan.FromMilliseconds(100),
            MaxReconnectBackoff = TimeSpan.FromSeconds(1),
            MaxReceiveMessageSize = GrpcServer.MaxMessageBytes,
            MaxSendMessageSize = GrpcServer.MaxMessageBytes,
            DisposeHttpClient = true,
        });

    private string Describe(RpcException e, TimeSpan deadline)
    {
        if (e.StatusCode == StatusCode.DeadlineExceeded) return $"no reply within {deadline.TotalMilliseconds:0} ms";
        for (Exception? inner = e.InnerException; inner is not null; inner = inner.InnerException)
        {
            if (inner is SocketException socket)
                return socket.SocketErrorCode switch
                {
                    SocketError.ConnectionRefused => $"connection refused (is the {ServerKind} running?)",
                    SocketError.TimedOut => "connecting timed out",
                    SocketError.HostUnreachable or SocketError.NetworkUnreachable => "host unreachable",
                    _ => $"{socket.SocketErrorCode}: {socket.Message}",
                };
            if (inner is HttpRequestException { InnerException: null } http) return $"{e.StatusCode}: {http.Message}";
        }
        return string.IsNullOrEmpty(e.Status.Detail) ? e.StatusCode.ToString() : $"{e.StatusCode}: {e.Status.Detail}";
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        foreach (var channel in _channels.Values)
            if (channel.IsValueCreated) channel.Value.Channel.Dispose();
        _channels.Clear();
    }
}

/// <summary>An RPC got no reply from <see cref="Endpoint"/>: the connection failed or was lost, the deadline
/// passed, or the server failed the call. The request may or may not have been applied: retry it only when
/// that is safe (a query, a numbered command with the same number, an idempotent MDS request).</summary>
public sealed class RpcCallException(string serverKind, string endpoint, string method, StatusCode statusCode, string reason, Exception inner)
    : Exception($"{method} to {serverKind} {endpoint}: {reason}", inner)
{
    public string Endpoint { get; } = endpoint;
    public string Method { get; } = method;
    public StatusCode StatusCode { get; } = statusCode;
    public string Reason { get; } = reason;
}
