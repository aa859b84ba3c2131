using CurveFs.Common.Rpc;
using CurveFs.MetaServer.Hosting;
using CurveFs.MetaServer.Partition;
using Grpc.Core;
using Microsoft.Extensions.Logging;

namespace CurveFs.MetaServer.Service;

/// <summary>
/// The handlers of <see cref="MetaRpc"/>. A handler never lets an exception out as a gRPC failure:
/// routing and health problems become an <see cref="RpcStatus"/> the client acts on (follow the leader,
/// try another endpoint, give up), and filesystem errors travel as errnos inside the result.
/// </summary>
internal sealed class MetaRpcService(uint nodeId, ICopysetRegistry registry, ILogger logger)
{
    public uint NodeId => nodeId;

    public async Task<ExecuteReply> Execute(ExecuteRequest request, ServerCallContext context)
    {
        if (request.Envelope?.Command is null)
            return new ExecuteReply { Status = RpcStatus.BadRequest, Message = "the request carries no command" };
        var copyset = registry.Find(request.CopysetId);
        if (copyset is null) return new ExecuteReply { Status = RpcStatus.NoSuchCopyset, Message = NotHosted(request.CopysetId) };
        try
        {
            var result = await copyset.ExecuteAsync(request.Envelope, context.CancellationToken).ConfigureAwait(false);
            return new ExecuteReply { Status = RpcStatus.Ok, Result = result };
        }
        catch (Exception e)
        {
            var envelope = request.Envelope;
            var (status, leader, message) = Classify(e, context, request.CopysetId,
                $"{envelope.Command.GetType().Name} (client {envelope.ClientId:x16}, seq {envelope.Seq})");
            return new ExecuteReply { Status = status, LeaderEndpoint = leader, Message = message };
        }
    }

    public async Task<QueryReply> Query(QueryRequest request, ServerCallContext context)
    {
        var query = request.Query;
        if (query is null) return new QueryReply { Status = RpcStatus.BadRequest, Message = "the request carries no query" };
        var copyset = registry.Find(request.CopysetId);
        if (copyset is null) return new QueryReply { Status = RpcStatus.NoSuchCopyset, Message = NotHosted(request.CopysetId) };
        try
        {
            var result = await copyset.ReadAsync(kv => QueryExecutor.Run(kv, query), context.CancellationToken).ConfigureAwait(false);
            return new QueryReply { Status = RpcStatus.Ok, Result = result };
        }
        catch (Exception e)
        {
            var (status, leader, message) = Classify(e, context, request.CopysetId, query.GetType().Name);
            return new QueryReply { Status = status, LeaderEndpoint = leader, Message = message };
        }
    }

    public async Task<StatusReply> Status(StatusRequest request, ServerCallContext context)
    {
        var reply = new StatusReply { NodeId = nodeId };
        if (request.IncludeDigests) reply.Digests = [];
        foreach (var copyset in registry.All())
        {
            try
            {
                reply.Copysets.Add(copyset.Status);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogError(e, "copyset {Copyset}: reading its status failed: {Message}", copyset.CopysetId, e.Message);
                reply.Copysets.Add(new(copyset.CopysetId, Common.Meta.CopysetRole.Unavailable, null, 0, 0, 0, $"status failed: {e.Message}"));
            }
            if (!request.IncludeDigests) continue;
            try
            {
                reply.Digests![copyset.CopysetId] = await copyset.LocalDigestAsync(context.CancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // A replica that cannot serve has no digest to compare; its status says why.
                logger.LogDebug("copyset {Copyset}: no digest: {Message}", copyset.CopysetId, e.Message);
            }
        }
        return reply;
    }

    private string NotHosted(uint copysetId) => $"metaserver {nodeId} does not host copyset {copysetId}";

    private (RpcStatus, string?, string) Classify(Exception e, ServerCallContext context, uint copysetId, string what)
    {
        switch (e)
        {
            case NotLeaderException notLeader:
                return (RpcStatus.NotLeader, notLeader.LeaderEndpoint, notLeader.Message);
            case CopysetUnavailableException:
                logger.LogDebug("copyset {Copyset}: {What} not served: {Message}", copysetId, what, e.Message);
                return (RpcStatus.Unavailable, null, e.Message);
            case OperationCanceledException when context.CancellationToken.IsCancellationRequested:
                // The caller is gone (deadline or cancellation): nobody reads this reply.
                return (RpcStatus.Unavailable, null, $"copyset {copysetId}: the call ended (deadline or cancellation) before {what} completed");
            default:
                logger.LogError(e, "copyset {Copyset}: {What} failed on metaserver {Node}: {Message}", copysetId, what, nodeId, e.Message);
                return (RpcStatus.Internal, null, $"metaserver {nodeId}, copyset {copysetId}: {what} failed: {e.GetType().Name}: {e.Message}");
        }
    }
}
