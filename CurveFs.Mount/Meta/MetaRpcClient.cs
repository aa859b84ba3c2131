using CurveFs.Common.Rpc;
using Grpc.Core;

namespace CurveFs.Mount.Meta;

/// <summary>
/// Calls <see cref="MetaRpc"/> on metaservers over a shared <see cref="GrpcClient"/>: one channel per
/// endpoint, every call with a deadline. A call that does not reach a server or gets no reply in time throws
/// <see cref="RpcCallException"/>, which is always safe to retry for queries, and for commands when the
/// retry carries the same request number. Thread-safe.
/// </summary>
public sealed class MetaRpcClient(TimeSpan callTimeout) : IDisposable
{
    public const string ServerKind = "metaserver";

    /// <summary>The channels and the call primitive, shared with the retry loop.</summary>
    public GrpcClient Grpc { get; } = new(ServerKind, callTimeout);

    /// <summary>The deadline of a call that does not name its own.</summary>
    public TimeSpan CallTimeout => Grpc.CallTimeout;

    public Task<ExecuteReply> ExecuteAsync(string endpoint, ExecuteRequest request, TimeSpan? timeout = null, CancellationToken cancellationToken = default) =>
        Grpc.CallAsync(MetaRpc.Execute, endpoint, request, timeout, cancellationToken);

    public Task<QueryReply> QueryAsync(string endpoint, QueryRequest request, TimeSpan? timeout = null, CancellationToken cancellationToken = default) =>
        Grpc.CallAsync(MetaRpc.Query, endpoint, request, timeout, cancellationToken);

    public Task<StatusReply> StatusAsync(string endpoint, TimeSpan? timeout = null, CancellationToken cancellationToken = default, bool includeDigests = false) =>
        Grpc.CallAsync(MetaRpc.Status, endpoint, new StatusRequest { IncludeDigests = includeDigests }, timeout, cancellationToken);

    /// <summary>One unary call to <paramref name="endpoint"/> ("host:port").</summary>
    /// <exception cref="RpcCallException">no reply: connection refused or lost, deadline passed, server failure.</exception>
    public Task<TReply> CallAsync<TRequest, TReply>(Method<TRequest, TReply> method, string endpoint, TRequest request, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
        where TRequest : class
        where TReply : class =>
        Grpc.CallAsync(method, endpoint, request, timeout, cancellationToken);

    /// <summary>"host:port" (or a full http:// address) as the URI a channel connects to.</summary>
    public static Uri ToAddress(string endpoint) => GrpcClient.ToAddress(endpoint, ServerKind);

    public void Dispose() => Grpc.Dispose();
}
