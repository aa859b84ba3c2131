using CurveFs.Common.Rpc;
using Grpc.Core;
using Microsoft.Extensions.Logging;

namespace CurveFs.Mount.Meta;

/// <summary>
/// Sends requests to the leader of a copyset through the shared <see cref="LeaderInvoker"/> (leader cache,
/// hints, backoff, retry budget; see docs/rpc.md). Each copyset is its own group ("copyset 1").
/// The caller makes a retried request safe (the same request number for a command).
/// </summary>
internal sealed class CopysetInvoker(ClusterMetaClientOptions options, MetaRpcClient rpc, ILogger logger)
{
    private readonly LeaderInvoker _invoker = new(options.ToRetryOptions(), rpc.Grpc, logger);

    /// <summary>The endpoint believed to lead the copyset, if any (tests, status output).</summary>
    public string? LeaderOf(uint copysetId) => _invoker.LeaderOf(Group(copysetId));

    public string EndpointList => _invoker.EndpointList;

    /// <summary>Calls <paramref name="method"/> on the copyset's leader until it answers Ok or the budget is spent.</summary>
    /// <param name="describe">names the request in log lines ("CreateNodeCommand seq 12").</param>
    /// <exception cref="OperationCanceledException">the caller cancelled.</exception>
    public ValueTask<LeaderCallOutcome<TReply>> CallAsync<TRequest, TReply>(
        Method<TRequest, TReply> method, uint copysetId, TRequest request, Func<string> describe, CancellationToken cancellationToken)
        where TRequest : class
        where TReply : class, ICopysetReply =>
        _invoker.CallAsync(method, Group(copysetId), request, describe, cancellationToken);

    private static string Group(uint copysetId) => $"copyset {copysetId}";
}
