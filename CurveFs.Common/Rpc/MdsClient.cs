using CurveFs.Common.Data;
using CurveFs.Common.Meta;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace CurveFs.Common.Rpc;

/// <summary>
/// A request to the MDS failed. <see cref="Status"/> says how: NotFound, AlreadyExists, BadRequest (the
/// request itself), Unavailable (no MDS leader answered within the retry budget: the message names the
/// endpoints and the last error, e.g. etcd unreachable), Internal.
/// </summary>
public sealed class MdsException(MdsStatus status, string message) : IOException(message)
{
    public MdsStatus Status { get; } = status;
}

/// <summary>
/// The client of the MDS (<see cref="MdsRpc"/>), shared by mounts, the admin commands and metaservers (which
/// register and heartbeat through it): sends each request to the leader, following NotLeader hints and retrying
/// Unavailable or unreachable MDS processes with backoff until the retry budget is spent, through the same
/// <see cref="LeaderInvoker"/> the metaserver client uses. Every MDS request may be retried: a repeated
/// CreateFs with the same settings succeeds again (other settings: AlreadyExists), DeleteFs answers a repeat
/// with NotFound, a repeated AllocateChunkIds only skips IDs, a repeated NewPartition finds the partition the
/// first one made, a repeated OpenSession opens a second session (the first expires unused).
/// Thread-safe; keep one per process.
/// </summary>
public sealed class MdsClient : IDisposable
{
    public const string ServerKind = "MDS";
    private const string Group = "MDS";

    private readonly GrpcClient _rpc;
    private readonly LeaderInvoker _invoker;

    /// <exception cref="ArgumentException">the options cannot work (no endpoints, a malformed one ...).</exception>
    public MdsClient(RetryOptions options, ILogger? logger = null)
    {
        options.Validate(ServerKind);
        _rpc = new GrpcClient(ServerKind, options.CallTimeout);
        _invoker = new LeaderInvoker(options, _rpc, logger ?? NullLogger.Instance);
    }

    /// <summary>A client with the default timing (5 s per call, 30 s budget) for "host:port,host:port".</summary>
    public static MdsClient ForEndpoints(string endpoints, TimeSpan? retryBudget = null, ILogger? logger = null) =>
        new(new RetryOptions { Endpoints = GrpcClient.ParseList(endpoints, ServerKind), RetryBudget = retryBudget ?? TimeSpan.FromSeconds(30) }, logger);

    /// <summary>The endpoint believed to lead, if any.</summary>
    public string? Leader => _invoker.LeaderOf(Group);

    public string EndpointList => _invoker.EndpointList;

    /// <summary>Creates a filesystem; throws <see cref="MdsException"/> with AlreadyExists (the message names its ID) when the name is taken.</summary>
    public Task<FsRecord> CreateFsAsync(string name, uint chunkSize, uint blockSize, ulong capacityBytes, FsS3Settings s3, CancellationToken cancellationToken = default) =>
        CreateFsAsync(new CreateFsRequest { Name = name, ChunkSize = chunkSize, BlockSize = blockSize, CapacityBytes = capacityBytes, S3 = s3 }, cancellationToken);

    /// <summary>Creates a filesystem and initializes its root directory and first partition on a metaserver copyset.
    /// Repeating it with the same settings succeeds (and finishes an interrupted creation); other settings under
    /// a taken name throw <see cref="MdsException"/> with AlreadyExists; Unavailable when no metaserver registered.</summary>
    public async Task<FsRecord> CreateFsAsync(CreateFsRequest request, CancellationToken cancellationToken = default)
    {
        var reply = await CallAsync(MdsRpc.CreateFs, request, $"CreateFs {request.Name}", cancellationToken).ConfigureAwait(false);
        return reply.Fs ?? throw new MdsException(MdsStatus.Internal, $"the MDS answered CreateFs {request.Name} without the filesystem");
    }

    /// <summary>The filesystem called <paramref name="name"/>, S3 secret included; null when there is none.</summary>
    public async Task<FsRecord?> GetFsAsync(string name, CancellationToken cancellationToken = default)
    {
        try
        {
            var reply = await CallAsync(MdsRpc.GetFs, new GetFsRequest { Name = name }, $"GetFs {name}", cancellationToken).ConfigureAwait(false);
            return reply.Fs;
        }
        catch (MdsException e) when (e.Status == MdsStatus.NotFound)
        {
            return null;
        }
    }

    /// <summary>Every filesystem by ID (secret keys masked).</summary>
    public async Task<IReadOnlyList<FsRecord>> ListFsAsync(CancellationToken cancellationToken = default) =>
        (await CallAsync(MdsRpc.ListFs, new ListFsRequest(), "ListFs", cancellationToken).ConfigureAwait(false)).Filesystems;

    /// <summary>Deletes the record of <paramref name="name"/> and returns it; NotFound when there is none.</summary>
    public async Task<FsRecord> DeleteFsAsync(string name, CancellationToken cancellationToken = default)
    {
        var reply = await CallAsync(MdsRpc.DeleteFs, new DeleteFsRequest { Name = name }, $"DeleteFs {name}", cancellationToken).ConfigureAwait(false);
        return reply.Fs ?? throw new MdsException(MdsStatus.Internal, $"the MDS answered DeleteFs {name} without the filesystem");
    }

    /// <summary>Reserves <paramref name="count"/> chunk IDs never handed out before.</summary>
    public async Task<ChunkIdRange> AllocateChunkIdsAsync(ulong count, CancellationToken cancellationToken = default)
    {
        var reply = await CallAsync(MdsRpc.AllocateChunkIds, new AllocateChunkIdsRequest { Count = count }, $"AllocateChunkIds {count}", cancellationToken).ConfigureAwait(false);
        if (reply.Start == 0 || reply.Count != count)
            throw new MdsException(MdsStatus.Internal, $"the MDS answered AllocateChunkIds {count} with an unusable range [{reply.Start}, +{reply.Count})");
        return new ChunkIdRange(reply.Start, reply.Count);
    }

    /// <summary>A metaserver announces itself and its copysets (call it every couple of seconds: it is the heartbeat too).</summary>
    public Task RegisterMetaServerAsync(RegisterMetaServerRequest request, CancellationToken cancellationToken = default) =>
        CallAsync(MdsRpc.RegisterMetaServer, request, $"RegisterMetaServer {request.Name}", cancellationToken);

    /// <summary>The registered metaservers, online or not.</summary>
    public async Task<IReadOnlyList<MetaServerInfo>> ListMetaServersAsync(CancellationToken cancellationToken = default) =>
        (await CallAsync(MdsRpc.ListMetaServers, new ListMetaServersRequest(), "ListMetaServers", cancellationToken).ConfigureAwait(false)).MetaServers;

    /// <summary>Every registered copyset (and every copyset hosting the filesystem's partitions) with its members,
    /// and the filesystem's partitions by ID. <paramref name="fsId"/> 0: the copysets only. NotFound: no such filesystem.</summary>
    public Task<TopologyReply> GetTopologyAsync(uint fsId, CancellationToken cancellationToken = default) =>
        CallAsync(MdsRpc.GetTopology, new GetTopologyRequest { FsId = fsId }, $"GetTopology fs {fsId}", cancellationToken);

    /// <summary>A partition of the filesystem with free inode IDs: an existing read-write one (on
    /// <paramref name="preferCopyset"/> when it has one), else a new one on the copyset with the fewest
    /// partitions. <paramref name="fullPartition"/> (0: none) is marked read-only first.</summary>
    public async Task<PartitionInfo> NewPartitionAsync(uint fsId, uint preferCopyset = 0, uint fullPartition = 0, CancellationToken cancellationToken = default)
    {
        var request = new NewPartitionRequest { FsId = fsId, PreferCopyset = preferCopyset, FullPartition = fullPartition };
        var reply = await CallAsync(MdsRpc.NewPartition, request, $"NewPartition fs {fsId}", cancellationToken).ConfigureAwait(false);
        return reply.Partition ?? throw new MdsException(MdsStatus.Internal, $"the MDS answered NewPartition fs {fsId} without a partition");
    }

    /// <summary>Opens a session (a mount record); its ID is unique and never reused: use it as the client ID of numbered requests.</summary>
    public Task<SessionReply> OpenSessionAsync(uint fsId, string host, string mountPoint, int pid, CancellationToken cancellationToken = default) =>
        CallAsync(MdsRpc.OpenSession, new OpenSessionRequest { FsId = fsId, Host = host, MountPoint = mountPoint, Pid = pid }, $"OpenSession fs {fsId}", cancellationToken);

    /// <summary>Keeps the session alive; false when it expired or was closed (open a new one: the old ID's
    /// stored answers and orphan holds are gone).</summary>
    public async Task<bool> HeartbeatAsync(ulong sessionId, CancellationToken cancellationToken = default)
    {
        try
        {
            await CallAsync(MdsRpc.Heartbeat, new SessionRequest { SessionId = sessionId }, $"Heartbeat session {sessionId}", cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (MdsException e) when (e.Status == MdsStatus.NotFound)
        {
            return false;
        }
    }

    /// <summary>Closes the session (unmount); false when it was already gone.</summary>
    public async Task<bool> CloseSessionAsync(ulong sessionId, CancellationToken cancellationToken = default)
    {
        try
        {
            await CallAsync(MdsRpc.CloseSession, new SessionRequest { SessionId = sessionId }, $"CloseSession {sessionId}", cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (MdsException e) when (e.Status == MdsStatus.NotFound)
        {
            return false;
        }
    }

    /// <summary>The open sessions of the filesystem (<paramref name="fsId"/> 0: of every filesystem), by ID.</summary>
    public async Task<IReadOnlyList<SessionInfo>> ListSessionsAsync(uint fsId, CancellationToken cancellationToken = default) =>
        (await CallAsync(MdsRpc.ListSessions, new ListSessionsRequest { FsId = fsId }, $"ListSessions fs {fsId}", cancellationToken).ConfigureAwait(false)).Sessions;

    /// <summary>Asks one MDS (not the leader) for its role and the leader it knows; one attempt.</summary>
    /// <exception cref="RpcCallException">no answer.</exception>
    public Task<MdsStatusReply> StatusAsync(string endpoint, CancellationToken cancellationToken = default) =>
        _rpc.CallAsync(MdsRpc.Status, endpoint, new MdsStatusRequest(), cancellationToken: cancellationToken);

    /// <summary>The configured MDS endpoints.</summary>
    public IReadOnlyList<string> Endpoints => _invoker.Options.Endpoints;

    private async Task<TReply> CallAsync<TRequest, TReply>(Grpc.Core.Method<TRequest, TReply> method, TRequest request, string what, CancellationToken cancellationToken)
        where TRequest : class
        where TReply : MdsReply
    {
        var outcome = await _invoker.CallAsync(method, Group, request, () => what, cancellationToken).ConfigureAwait(false);
        if (outcome.Reply is not { } reply)
            throw new MdsException(outcome.Refusal?.Status ?? MdsStatus.Unavailable, outcome.Refusal?.Message ?? outcome.Failure ?? $"{what} failed");
        if (reply.Status != MdsStatus.Ok)
            throw new MdsException(reply.Status, reply.Message ?? $"{what}: {reply.Status}");
        return reply;
    }

    public void Dispose() => _rpc.Dispose();
}

/// <summary>Chunk IDs from the MDS (which reserves them in etcd): the cluster's <see cref="IChunkIdSource"/>.</summary>
public sealed class MdsChunkIdSource(MdsClient mds) : IChunkIdSource
{
    /// <exception cref="MdsException">no MDS leader could hand out IDs within the retry budget.</exception>
    public Task<ChunkIdRange> ReserveAsync(ulong count, CancellationToken cancellationToken = default)
    {
        if (count == 0) throw new ArgumentOutOfRangeException(nameof(count));
        return mds.AllocateChunkIdsAsync(count, cancellationToken);
    }
}
