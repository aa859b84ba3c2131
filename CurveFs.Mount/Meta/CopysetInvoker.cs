using System.Collections.Concurrent;
using System.Diagnostics;
using CurveFs.Common.Rpc;
using Grpc.Core;
using Microsoft.Extensions.Logging;

namespace CurveFs.Mount.Meta;

/// <summary>The reply of a copyset call, or why there is none (already logged).</summary>
internal readonly record struct CopysetCallOutcome<TReply>(TReply? Reply, string? Failure) where TReply : class;

/// <summary>
/// Sends requests to the leader of a copyset. It remembers each copyset's leader; without one it asks
/// the endpoints in turn. A NotLeader reply with a hint is followed at once; NotLeader without a hint,
/// Unavailable, NoSuchCopyset, an unreachable endpoint or a missed deadline moves on to the next endpoint
/// after a pause that doubles from InitialBackoff to MaxBackoff. Retrying stops when the retry budget is
/// spent, or at once on BadRequest or Internal (the server failed the request itself: it would fail again).
/// The caller makes a retried request safe (the same request number for a command).
/// </summary>
internal sealed class CopysetInvoker(ClusterMetaClientOptions options, MetaRpcClient rpc, ILogger logger)
{
    private readonly ConcurrentDictionary<uint, string> _leaders = new();
    private readonly IReadOnlyList<string> _endpoints = options.Endpoints;
    private int _rotation;

    /// <summary>The endpoint believed to lead the copyset, if any (tests, status output).</summary>
    public string? LeaderOf(uint copysetId) => _leaders.GetValueOrDefault(copysetId);

    public string EndpointList => string.Join(", ", _endpoints);

    /// <summary>Calls <paramref name="method"/> on the copyset's leader until it answers Ok or the budget is spent.</summary>
    /// <param name="describe">names the request in log lines ("CreateNodeCommand seq 12").</param>
    /// <exception cref="OperationCanceledException">the caller cancelled.</exception>
    public async ValueTask<CopysetCallOutcome<TReply>> CallAsync<TRequest, TReply>(
        Method<TRequest, TReply> method, uint copysetId, TRequest request, Func<string> describe, CancellationToken cancellationToken)
        where TRequest : class
        where TReply : class, ICopysetReply
    {
        var started = Stopwatch.GetTimestamp();
        var backoff = options.InitialBackoff;
        var target = LeaderOf(copysetId) ?? _endpoints[(int)((uint)Volatile.Read(ref _rotation) % (uint)_endpoints.Count)];
        var hintsFollowed = 0;
        var attempts = 0;
        string? lastError = null;
        while (true)
        {
            var remaining = options.RetryBudget - Stopwatch.GetElapsedTime(started);
            if (remaining <= TimeSpan.Zero) break;
            attempts++;
            try
            {
                var timeout = remaining < options.CallTimeout ? remaining : options.CallTimeout;
                var reply = await rpc.CallAsync(method, target, request, timeout, cancellationToken).ConfigureAwait(false);
                switch (reply.Status)
                {
                    case RpcStatus.Ok:
                        RememberLeader(copysetId, target);
                        if (attempts > 1)
                            logger.LogInformation("copyset {Copyset}: {Request} answered by {Endpoint} after {Attempts} attempts in {Elapsed:0} ms (last error: {LastError})",
                                copysetId, describe(), target, attempts, Stopwatch.GetElapsedTime(started).TotalMilliseconds, lastError);
                        return new(reply, null);
                    case RpcStatus.NotLeader:
                        ForgetLeader(copysetId, target);
                        lastError = $"{target}: not the leader{(reply.LeaderEndpoint is { } h ? $", it names {h}" : ", no leader known")}";
                        if (reply.LeaderEndpoint is { } hint && hint != target && hintsFollowed < _endpoints.Count + 1)
                        {
                            hintsFollowed++;
                            logger.LogDebug("copyset {Copyset}: {Error}; following the hint", copysetId, lastError);
                            target = hint;
                            continue;
                        }
                        break;
                    case RpcStatus.Unavailable:
                    case RpcStatus.NoSuchCopyset:
                        ForgetLeader(copysetId, target);
                        lastError = $"{target}: {reply.Status}: {reply.Message}";
                        break;
                    default:
                        var failure = $"copyset {copysetId}: {describe()} failed on {target}: {reply.Status}: {reply.Message}";
                        logger.LogError("{Failure}", failure);
                        return new(null, failure);
                }
            }
            catch (MetaRpcException e)
            {
                ForgetLeader(copysetId, target);
                lastError = e.Message;
            }
            logger.LogDebug("copyset {Copyset}: {Request} attempt {Attempt}: {Error}", copysetId, describe(), attempts, lastError);
            hintsFollowed = 0;
            target = NextEndpoint(target);
            var left = options.RetryBudget - Stopwatch.GetElapsedTime(started);
            if (left <= TimeSpan.Zero) break;
            await Task.Delay(backoff < left ? backoff : left, cancellationToken).ConfigureAwait(false);
            backoff = backoff * 2 < options.MaxBackoff ? backoff * 2 : options.MaxBackoff;
        }
        var message = $"copyset {copysetId}: {describe()} failed: no leader answered within the retry budget of {options.RetryBudget.TotalSeconds:0.###} s " +
                      $"({attempts} attempts; endpoints {EndpointList}); last error: {lastError ?? "none"}";
        logger.LogError("{Failure}", message);
        return new(null, message);
    }

    private void RememberLeader(uint copysetId, string endpoint)
    {
        if (_leaders.TryGetValue(copysetId, out var known) && known == endpoint) return;
        _leaders[copysetId] = endpoint;
        logger.LogInformation("copyset {Copyset}: leader is {Endpoint}{Previous}", copysetId, endpoint, known is null ? "" : $" (was {known})");
    }

    private void ForgetLeader(uint copysetId, string endpoint) =>
        _leaders.TryRemove(new KeyValuePair<uint, string>(copysetId, endpoint));

    /// <summary>The endpoint after <paramref name="current"/> in the list; after a hinted endpoint that is not
    /// in the list, the next one in a rotation shared by all calls.</summary>
    private string NextEndpoint(string current)
    {
        for (var i = 0; i < _endpoints.Count; i++)
            if (_endpoints[i] == current) return _endpoints[(i + 1) % _endpoints.Count];
        return _endpoints[(int)((uint)Interlocked.Increment(ref _rotation) % (uint)_endpoints.Count)];
    }
}
