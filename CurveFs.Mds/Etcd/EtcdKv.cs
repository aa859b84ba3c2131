using System.Text;
using dotnet_etcd;
using Etcdserverpb;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;
using Grpc.Net.Client.Configuration;

namespace CurveFs.Mds.Etcd;

/// <summary>How the MDS reaches etcd.</summary>
public sealed record EtcdOptions
{
    /// <summary>Client endpoints, "host:port" or "http://host:port".</summary>
    public required IReadOnlyList<string> Endpoints { get; init; }

    /// <summary>Deadline of one etcd operation (also the TCP connect timeout). An MDS request makes a few.</summary>
    public TimeSpan OperationTimeout { get; init; } = TimeSpan.FromSeconds(2);
}

/// <summary>
/// The MDS's narrow view of etcd: get, prefix range, put, delete, transactions, leases. The rest of the MDS
/// never sees dotnet-etcd or protobuf types. Every call has a deadline (<see cref="EtcdOptions.OperationTimeout"/>)
/// and fails with an <see cref="EtcdException"/> naming the endpoints, the operation and the key. dotnet-etcd's
/// own retry policy is replaced by none (callers decide), and reconnecting backs off at most 1 s so a restarted
/// etcd is used again at once. Thread-safe.
/// </summary>
public sealed class EtcdKv : IDisposable
{
    private readonly EtcdClient _client;
    private readonly dotnet_etcd.interfaces.IConnection _connection;

    public EtcdKv(EtcdOptions options)
    {
        if (options.Endpoints.Count == 0) throw new ArgumentException("no etcd endpoints given");
        if (options.OperationTimeout <= TimeSpan.Zero) throw new ArgumentException("the etcd operation timeout must be positive");
        Options = options;
        EndpointList = string.Join(",", options.Endpoints.Select(e => e.Replace("http://", "", StringComparison.Ordinal)));
        var connectionString = string.Join(",", options.Endpoints.Select(e => e.Contains("://", StringComparison.Ordinal) ? e : "http://" + e));
        _client = new EtcdClient(connectionString, configureChannelOptions: channel =>
        {
            channel.ServiceConfig = new ServiceConfig { LoadBalancingConfigs = { new RoundRobinConfig() } };
            channel.HttpHandler = new SocketsHttpHandler
            {
                ConnectTimeout = options.OperationTimeout,
                PooledConnectionIdleTimeout = Timeout.InfiniteTimeSpan,
                KeepAlivePingDelay = TimeSpan.FromSeconds(10),
                KeepAlivePingTimeout = TimeSpan.FromSeconds(5),
                KeepAlivePingPolicy = HttpKeepAlivePingPolicy.WithActiveRequests,
                EnableMultipleHttp2Connections = true,
            };
            channel.InitialReconnectBackoff = TimeSpan.FromMilliseconds(100);
            channel.MaxReconnectBackoff = TimeSpan.FromSeconds(1);
        });
        _connection = _client.GetConnection();
    }

    public EtcdOptions Options { get; }

    /// <summary>"host:port,host:port" for messages.</summary>
    public string EndpointList { get; }

    /// <summary>The key, or null when it does not exist.</summary>
    public async Task<EtcdKeyValue?> GetAsync(string key, CancellationToken cancellationToken = default)
    {
        var response = await Run("get", key, (deadline, token) =>
            _connection.KVClient.RangeAsync(new RangeRequest { Key = Bytes(key) }, deadline: deadline, cancellationToken: token).ResponseAsync,
            cancellationToken).ConfigureAwait(false);
        return response.Kvs.Count == 0 ? null : Convert(response.Kvs[0]);
    }

    /// <summary>Every key starting with <paramref name="prefix"/>, in key order.</summary>
    public async Task<IReadOnlyList<EtcdKeyValue>> GetPrefixAsync(string prefix, CancellationToken cancellationToken = default)
    {
        var response = await Run("range", prefix + "*", (deadline, token) =>
            _connection.KVClient.RangeAsync(new RangeRequest { Key = Bytes(prefix), RangeEnd = PrefixEnd(prefix) }, deadline: deadline, cancellationToken: token).ResponseAsync,
            cancellationToken).ConfigureAwait(false);
        return response.Kvs.Select(Convert).ToList();
    }

    /// <summary>Writes the key (bound to <paramref name="lease"/> unless 0); returns the new revision.</summary>
    public async Task<long> PutAsync(string key, byte[] value, long lease = 0, CancellationToken cancellationToken = default)
    {
        var response = await Run("put", key, (deadline, token) =>
            _connection.KVClient.PutAsync(new PutRequest { Key = Bytes(key), Value = ByteString.CopyFrom(value), Lease = lease }, deadline: deadline, cancellationToken: token).ResponseAsync,
            cancellationToken).ConfigureAwait(false);
        return response.Header.Revision;
    }

    /// <summary>Deletes every key starting with <paramref name="prefix"/> (tests clean their keyspace); returns how many.</summary>
    public async Task<long> DeletePrefixAsync(string prefix, CancellationToken cancellationToken = default)
    {
        var response = await Run("delete", prefix + "*", (deadline, token) =>
            _connection.KVClient.DeleteRangeAsync(new DeleteRangeRequest { Key = Bytes(prefix), RangeEnd = PrefixEnd(prefix) }, deadline: deadline, cancellationToken: token).ResponseAsync,
            cancellationToken).ConfigureAwait(false);
        return response.Deleted;
    }

    /// <summary>
    /// Runs <paramref name="success"/> if every comparison holds, else <paramref name="failure"/>, atomically.
    /// Check <see cref="EtcdTxnResult.Succeeded"/>: failed comparisons are an answer, not an exception.
    /// </summary>
    /// <param name="what">names the transaction in error messages ("reserve chunk IDs").</param>
    public async Task<EtcdTxnResult> TxnAsync(string what, IReadOnlyList<EtcdCompare> compares, IReadOnlyList<EtcdOp> success, IReadOnlyList<EtcdOp> failure,
        CancellationToken cancellationToken = default)
    {
        var request = new TxnRequest();
        foreach (var compare in compares) request.Compare.Add(ToCompare(compare));
        foreach (var op in success) request.Success.Add(ToRequestOp(op));
        foreach (var op in failure) request.Failure.Add(ToRequestOp(op));
        var key = compares.Count > 0 ? compares[0].Key : success.Count > 0 ? success[0].Key : "";
        var response = await Run($"transaction: {what}", key, (deadline, token) =>
            _connection.KVClient.TxnAsync(request, deadline: deadline, cancellationToken: token).ResponseAsync,
            cancellationToken).ConfigureAwait(false);
        var reads = new List<EtcdKeyValue?>();
        foreach (var op in response.Responses)
            if (op.ResponseCase == ResponseOp.ResponseOneofCase.ResponseRange)
                reads.Add(op.ResponseRange.Kvs.Count == 0 ? null : Convert(op.ResponseRange.Kvs[0]));
        return new EtcdTxnResult(response.Succeeded, response.Header.Revision, reads);
    }

    /// <summary>Grants a lease of <paramref name="ttl"/> (whole seconds, at least 1); returns its ID.</summary>
    public async Task<long> GrantLeaseAsync(TimeSpan ttl, CancellationToken cancellationToken = default)
    {
        var seconds = Math.Max(1, (long)Math.Ceiling(ttl.TotalSeconds));
        var response = await Run("lease grant", $"ttl {seconds} s", (deadline, token) =>
            _connection.LeaseClient.LeaseGrantAsync(new LeaseGrantRequest { TTL = seconds }, deadline: deadline, cancellationToken: token).ResponseAsync,
            cancellationToken).ConfigureAwait(false);
        if (!string.IsNullOrEmpty(response.Error))
            throw new EtcdException($"etcd at {EndpointList} refused to grant a lease of {seconds} s: {response.Error}", unreachable: false);
        return response.ID;
    }

    /// <summary>Renews the lease once; returns the TTL etcd granted again, or null when the lease no longer exists (expired or revoked).</summary>
    public async Task<TimeSpan?> KeepAliveOnceAsync(long lease, CancellationToken cancellationToken = default)
    {
        var ttl = await Run("lease keepalive", $"lease {lease:x}", async (deadline, token) =>
        {
            using var call = _connection.LeaseClient.LeaseKeepAlive(deadline: deadline, cancellationToken: token);
            await call.RequestStream.WriteAsync(new LeaseKeepAliveRequest { ID = lease }, token).ConfigureAwait(false);
            await call.RequestStream.CompleteAsync().ConfigureAwait(false);
            if (!await call.ResponseStream.MoveNext(token).ConfigureAwait(false))
                throw new RpcException(new Status(StatusCode.Unavailable, "the keepalive stream ended without an answer"));
            return call.ResponseStream.Current.TTL;
        }, cancellationToken).ConfigureAwait(false);
        return ttl <= 0 ? null : TimeSpan.FromSeconds(ttl);
    }

    /// <summary>Revokes the lease, deleting every key bound to it. A lease that no longer exists is not an error.</summary>
    public async Task RevokeLeaseAsync(long lease, CancellationToken cancellationToken = default)
    {
        try
        {
            await Run("lease revoke", $"lease {lease:x}", (deadline, token) =>
                _connection.LeaseClient.LeaseRevokeAsync(new LeaseRevokeRequest { ID = lease }, deadline: deadline, cancellationToken: token).ResponseAsync,
                cancellationToken).ConfigureAwait(false);
        }
        catch (EtcdException e) when (e.InnerException is RpcException { StatusCode: StatusCode.NotFound })
        {
            // already expired or revoked
        }
    }

    /// <summary>The lease's remaining TTL, or null when it does not exist.</summary>
    public async Task<TimeSpan?> LeaseTimeToLiveAsync(long lease, CancellationToken cancellationToken = default)
    {
        var response = await Run("lease ttl", $"lease {lease:x}", (deadline, token) =>
            _connection.LeaseClient.LeaseTimeToLiveAsync(new LeaseTimeToLiveRequest { ID = lease }, deadline: deadline, cancellationToken: token).ResponseAsync,
            cancellationToken).ConfigureAwait(false);
        return response.TTL <= 0 ? null : TimeSpan.FromSeconds(response.TTL);
    }

    private async Task<T> Run<T>(string operation, string key, Func<DateTime, CancellationToken, Task<T>> call, CancellationToken cancellationToken)
    {
        var timeout = Options.OperationTimeout;
        // Our own timer as well as gRPC's deadline: a connect attempt must not outlive the operation either.
        using var timer = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timer.CancelAfter(timeout);
        try
        {
            return await call(DateTime.UtcNow + timeout, timer.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (cancellationToken.IsCancellationRequested && e is OperationCanceledException or RpcException { StatusCode: StatusCode.Cancelled })
        {
            throw new OperationCanceledException($"etcd {operation} ({key}) was cancelled", e, cancellationToken);
        }
        catch (Exception e) when (e is OperationCanceledException or RpcException { StatusCode: StatusCode.DeadlineExceeded or StatusCode.Cancelled })
        {
            throw new EtcdException($"etcd at {EndpointList} did not answer ({operation} {key}) within {timeout.TotalSeconds:0.###} s: is etcd running?", unreachable: true, e);
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.Unavailable)
        {
            throw new EtcdException($"etcd at {EndpointList} is unreachable ({operation} {key}): {Detail(e)}: is etcd running?", unreachable: true, e);
        }
        catch (RpcException e)
        {
            throw new EtcdException($"etcd at {EndpointList} failed {operation} ({key}): {e.StatusCode}: {Detail(e)}", unreachable: false, e);
        }
    }

    private static string Detail(RpcException e)
    {
        for (Exception? inner = e.InnerException; inner is not null; inner = inner.InnerException)
            if (inner is System.Net.Sockets.SocketException socket)
                return socket.SocketErrorCode == System.Net.Sockets.SocketError.ConnectionRefused ? "connection refused" : socket.Message;
        return string.IsNullOrEmpty(e.Status.Detail) ? e.StatusCode.ToString() : e.Status.Detail;
    }

    private static ByteString Bytes(string text) => ByteString.CopyFromUtf8(text);

    /// <summary>The end of a prefix range: the prefix with its last byte incremented (etcd's convention).</summary>
    private static ByteString PrefixEnd(string prefix)
    {
        var bytes = Encoding.UTF8.GetBytes(prefix);
        for (var i = bytes.Length - 1; i >= 0; i--)
        {
            if (bytes[i] < 0xff)
            {
                bytes[i]++;
                return ByteString.CopyFrom(bytes, 0, i + 1);
            }
        }
        return ByteString.CopyFrom(0); // every key
    }

    private static EtcdKeyValue Convert(Mvccpb.KeyValue kv) =>
        new(kv.Key.ToStringUtf8(), kv.Value.ToByteArray(), kv.CreateRevision, kv.ModRevision, kv.Version, kv.Lease);

    private static Compare ToCompare(EtcdCompare compare) => compare switch
    {
        EtcdCompare.CreateRevisionIs c => new Compare { Key = Bytes(c.Key), Target = Compare.Types.CompareTarget.Create, Result = Compare.Types.CompareResult.Equal, CreateRevision = c.Revision },
        EtcdCompare.ModRevisionIs c => new Compare { Key = Bytes(c.Key), Target = Compare.Types.CompareTarget.Mod, Result = Compare.Types.CompareResult.Equal, ModRevision = c.Revision },
        EtcdCompare.LeaseIs c => new Compare { Key = Bytes(c.Key), Target = Compare.Types.CompareTarget.Lease, Result = Compare.Types.CompareResult.Equal, Lease = c.LeaseId },
        _ => throw new ArgumentOutOfRangeException(nameof(compare), compare, "unknown comparison"),
    };

    private static RequestOp ToRequestOp(EtcdOp op) => op switch
    {
        EtcdOp.GetOp g => new RequestOp { RequestRange = new RangeRequest { Key = Bytes(g.Key) } },
        EtcdOp.PutOp p => new RequestOp { RequestPut = new PutRequest { Key = Bytes(p.Key), Value = ByteString.CopyFrom(p.Value), Lease = p.Lease } },
        EtcdOp.DeleteOp d => new RequestOp { RequestDeleteRange = new DeleteRangeRequest { Key = Bytes(d.Key) } },
        EtcdOp.DeletePrefixOp d => new RequestOp { RequestDeleteRange = new DeleteRangeRequest { Key = Bytes(d.Key), RangeEnd = PrefixEnd(d.Key) } },
        _ => throw new ArgumentOutOfRangeException(nameof(op), op, "unknown operation"),
    };

    public void Dispose() => _client.Dispose();
}
