using System.Collections.Concurrent;
using CurveFs.Common.Rpc;
using CurveFs.Mount.Meta.Topology;
using Grpc.Core;
using Microsoft.Extensions.Logging;

namespace CurveFs.Mount.Meta;

/// <summary>
/// Sends requests to the leader of a copyset through the shared <see cref="LeaderInvoker"/> (leader cache,
/// hints, backoff, retry budget; see docs/rpc.md): one invoker per copyset, over that copyset's members as
/// the topology lists them ("copyset 3"). The caller makes a retried request safe (the same request
/// number for a command).
/// </summary>
internal sealed class CopysetInvoker(ClusterMetaClientOptions options, MetaRpcClient rpc, IClusterTopology topology, ILogger logger)
{
    private readonly ConcurrentDictionary<uint, LeaderInvoker> _invokers = new();

    private LeaderInvoker For(uint copysetId) => _invokers.GetOrAdd(copysetId, id =>
    {
        var members = topology.EndpointsOf(id);
        return new LeaderInvoker(options.ToRetryOptions() with { Endpoints = members.Count > 0 ? members : options.Endpoints }, rpc.Grpc, logger);
    });

    /// <summary>The endpoint believed to lead the copyset, if any (tests, status output).</summary>
    public string? LeaderOf(uint copysetId) => For(copysetId).LeaderOf(Group(copysetId));

    public string EndpointList => string.Join(", ", options.Endpoints);

    /// <summary>Calls <paramref name="method"/> on the copyset's leader until it answers Ok or the budget is spent.</summary>
    /// <param name="describe">names the request in log lines ("CreateNodeCommand seq 12").</param>
    /// <exception cref="OperationCanceledException">the caller cancelled.</exception>
    public ValueTask<LeaderCallOutcome<TReply>> CallAsync<TRequest, TReply>(
        Method<TRequest, TReply> method, uint copysetId, TRequest request, Func<string> describe, CancellationToken cancellationToken)
        where TRequest : class
        where TReply : class, ICopysetReply =>
        For(copysetId).CallAsync(method, Group(copysetId), request, describe, cancellationToken);

    private static string Group(uint copysetId) => $"copyset {copysetId}";
}
