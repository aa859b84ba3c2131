using CurveFs.Common.Rpc;
using CurveFs.Mount.Mds;
using Microsoft.Extensions.Logging;

namespace CurveFs.Mount.Meta.Topology;

/// <summary>The MDS calls a cluster mount makes: topology, partitions and its session. Failures after the
/// retry budget are <see cref="MdsException"/> (an IOException) naming the MDS endpoints and the cause.</summary>
public sealed class MdsTopologyClient : IDisposable
{
    private const string Group = "MDS";
    private readonly GrpcClient _rpc;

    /// <exception cref="ArgumentException">the options cannot work (no endpoints, a malformed one ...).</exception>
    public MdsTopologyClient(RetryOptions options, ILogger logger)
    {
        options.Validate(MdsClient.ServerKind);
        _rpc = new GrpcClient(MdsClient.ServerKind, options.CallTimeout);
        Invoker = new LeaderInvoker(options, _rpc, logger);
    }

    private LeaderInvoker Invoker { get; }

    public string EndpointList => Invoker.EndpointList;

    public Task<TopologyReply> GetTopologyAsync(uint fsId, CancellationToken cancellationToken) =>
        CallAsync(MdsRpc.GetTopology, new GetTopologyRequest { FsId = fsId }, $"topology of fs {fsId}", cancellationToken);

    public async Task<PartitionInfo> NewPartitionAsync(uint fsId, uint preferCopyset, CancellationToken cancellationToken)
    {
        var reply = await CallAsync(MdsRpc.NewPartition, new NewPartitionRequest { FsId = fsId, PreferCopyset = preferCopyset }, $"a partition for fs {fsId}", cancellationToken).ConfigureAwait(false);
        return reply.Partition ?? throw new MdsException(MdsStatus.Internal, $"the MDS answered NewPartition for fs {fsId} without a partition");
    }

    public Task<SessionReply> OpenSessionAsync(uint fsId, string host, string mountPoint, CancellationToken cancellationToken) =>
        CallAsync(MdsRpc.OpenSession, new OpenSessionRequest { FsId = fsId, Host = host, MountPoint = mountPoint, Pid = Environment.ProcessId }, $"opening a session on fs {fsId}", cancellationToken);

    /// <summary>Keeps a session alive; NotFound means it expired.</summary>
    public async Task<MdsStatus> HeartbeatAsync(ulong sessionId, CancellationToken cancellationToken)
    {
        var outcome = await Invoker.CallAsync(MdsRpc.Heartbeat, Group, new SessionRequest { SessionId = sessionId }, () => $"heartbeat of session {sessionId}", cancellationToken).ConfigureAwait(false);
        return outcome.Reply?.Status ?? outcome.Refusal?.Status ?? MdsStatus.Unavailable;
    }

    public Task<SessionReply> CloseSessionAsync(ulong sessionId, CancellationToken cancellationToken) =>
        CallAsync(MdsRpc.CloseSession, new SessionRequest { SessionId = sessionId }, $"closing session {sessionId}", cancellationToken);

    private async Task<TReply> CallAsync<TRequest, TReply>(Grpc.Core.Method<TRequest, TReply> method, TRequest request, string what, CancellationToken cancellationToken)
        where TRequest : class
        where TReply : MdsReply
    {
        var outcome = await Invoker.CallAsync(method, Group, request, () => what, cancellationToken).ConfigureAwait(false);
        if (outcome.Reply is not { } reply)
            throw new MdsException(outcome.Refusal?.Status ?? MdsStatus.Unavailable, outcome.Refusal?.Message ?? outcome.Failure ?? $"{what} failed");
        if (reply.Status != MdsStatus.Ok)
            throw new MdsException(reply.Status, reply.Message ?? $"{what}: {reply.Status}");
        return reply;
    }

    public void Dispose() => _rpc.Dispose();
}
