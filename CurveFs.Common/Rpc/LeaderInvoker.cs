using CurveFs.Common.Rpc;
using System.Collections.Concurrent;
using System.Diagnostics;
using Grpc.Core;
using Microsoft.Extensions.Logging;

namespace CurveFs.Common.Rpc;

/// <summary>What a client does with a reply, whatever service it came from.</summary>
public enum ReplyRouting
{
    /// <summary>The leader answered (successfully or with a final answer such as NotFound): done, and remember it.</summary>
    Answered,
    /// <summary>Not the leader: follow <see cref="IRoutedReply.LeaderEndpoint"/> if it names one, else try the next endpoint.</summary>
    NotLeader,
    /// <summary>This server cannot serve now (no leader, a dependency down): try the next endpoint after a pause.</summary>
    TryElsewhere,
    /// <summary>The request itself failed (malformed, server failure): retrying does not help.</summary>
    Failed,
}

/// <summary>The routing part of a reply of a replicated service (a copyset, the MDS), so one retry loop serves both.</summary>
public interface IRoutedReply
{
    ReplyRouting Routing { get; }
    /// <summary>With <see cref="ReplyRouting.NotLeader"/>: the RPC endpoint ("host:port") of the leader the server knows, if any.</summary>
    string? LeaderEndpoint { get; }
    /// <summary>Why the request was not served.</summary>
    string? Message { get; }
    /// <summary>The status as the service names it (for log lines).</summary>
    string StatusName { get; }
}

/// <summary>Where a <see cref="LeaderInvoker"/> sends requests and how long it keeps trying.</summary>
public sealed record RetryOptions
{
    /// <summary>RPC endpoints ("host:port") of the servers; any will do, the invoker finds the leader.</summary>
    public required IReadOnlyList<string> Endpoints { get; init; }

    /// <summary>Deadline of one attempt (also the TCP connect timeout).</summary>
    public TimeSpan CallTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>How long one request keeps retrying (not leader, unavailable, unreachable, deadline).</summary>
    public TimeSpan RetryBudget { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>First pause between retries; it doubles up to <see cref="MaxBackoff"/>.</summary>
    public TimeSpan InitialBackoff { get; init; } = TimeSpan.FromMilliseconds(20);

    public TimeSpan MaxBackoff { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Throws when a setting cannot work, with a message saying which and why.</summary>
    public void Validate(string serverKind)
    {
        if (Endpoints is null || Endpoints.Count == 0)
            throw new ArgumentException($"no {serverKind} endpoints given: list at least one RPC address (host:port)");
        foreach (var endpoint in Endpoints) GrpcClient.ToAddress(endpoint, serverKind);
        if (CallTimeout <= TimeSpan.Zero) throw new ArgumentException($"CallTimeout must be positive, not {CallTimeout}");
        if (RetryBudget <= TimeSpan.Zero) throw new ArgumentException($"RetryBudget must be positive, not {RetryBudget}");
        if (InitialBackoff <= TimeSpan.Zero || MaxBackoff < InitialBackoff)
            throw new ArgumentException($"backoff must grow from a positive InitialBackoff ({InitialBackoff}) to MaxBackoff ({MaxBackoff})");
    }
}

/// <summary>The reply of a leader call, or why there is none (already logged); <paramref name="Refusal"/> is the
/// reply that ended the call when the server said the request itself failed.</summary>
public readonly record struct LeaderCallOutcome<TReply>(TReply? Reply, string? Failure, TReply? Refusal = null) where TReply : class;

/// <summary>
/// Sends requests to the leader of a group of replicas (a copyset, the MDS). It remembers each group's
/// leader; without one it asks the endpoints in turn. A NotLeader reply with a hint is followed at once;
/// NotLeader without a hint, a server that cannot serve, an unreachable endpoint or a missed deadline moves
/// on to the next endpoint after a pause that doubles from InitialBackoff to MaxBackoff. Retrying stops when
/// the retry budget is spent, or at once when the reply says the request itself failed.
/// The caller makes a retried request safe (the same request number for a copyset command).
/// </summary>
public sealed class LeaderInvoker(RetryOptions options, GrpcClient rpc, ILogger logger)
{
    private readonly ConcurrentDictionary<string, string> _leaders = new();
    private readonly IReadOnlyList<string> _endpoints = options.Endpoints;
    private int _rotation;

    /// <summary>The least time an attempt gets; less than this left of the budget ends the retries.</summary>
    private static readonly TimeSpan MinimumAttempt = TimeSpan.FromMilliseconds(10);

    public RetryOptions Options => options;

    /// <summary>The endpoint believed to lead the group, if any (tests, status output).</summary>
    public string? LeaderOf(string group) => _leaders.GetValueOrDefault(group);

    public string EndpointList => string.Join(", ", _endpoints);

    /// <summary>Calls <paramref name="method"/> on the group's leader until it answers or the budget is spent.</summary>
    /// <param name="group">names the replica group in the leader cache and in log lines ("copyset 1", "MDS").</param>
    /// <param name="describe">names the request in log lines ("CreateNodeCommand seq 12").</param>
    /// <exception cref="OperationCanceledException">the caller cancelled.</exception>
    public async ValueTask<LeaderCallOutcome<TReply>> CallAsync<TRequest, TReply>(
        Method<TRequest, TReply> method, string group, TRequest request, Func<string> describe, CancellationToken cancellationToken)
        where TRequest : class
        where TReply : class, IRoutedReply
    {
        var started = Stopwatch.GetTimestamp();
        var backoff = options.InitialBackoff;
        var target = LeaderOf(group) ?? _endpoints[(int)((uint)Volatile.Read(ref _rotation) % (uint)_endpoints.Count)];
        var hintsFollowed = 0;
        var attempts = 0;
        string? lastError = null;
        // What a server last said (not leader, etcd down...) tells the operator more than a transport error,
        // especially an attempt cut short by the end of the budget; the final message keeps both.
        string? lastAnswer = null;
        while (true)
        {
            var remaining = options.RetryBudget - Stopwatch.GetElapsedTime(started);
            if (remaining <= TimeSpan.Zero) break;
            attempts++;
            try
            {
                var timeout = remaining < options.CallTimeout ? remaining : options.CallTimeout;
                var reply = await rpc.CallAsync(method, target, request, timeout, cancellationToken).ConfigureAwait(false);
                switch (reply.Routing)
                {
                    case ReplyRouting.Answered:
                        RememberLeader(group, target);
                        if (attempts > 1)
                            logger.LogInformation("{Group}: {Request} answered by {Endpoint} after {Attempts} attempts in {Elapsed:0} ms (last error: {LastError})",
                                group, describe(), target, attempts, Stopwatch.GetElapsedTime(started).TotalMilliseconds, lastError);
                        return new(reply, null);
                    case ReplyRouting.NotLeader:
                        ForgetLeader(group, target);
                        lastError = $"{target}: not the leader{(reply.LeaderEndpoint is { } h ? $", it names {h}" : ", no leader known")}"
                                    + (reply.Message is { Length: > 0 } why ? $" ({why})" : "");
                        lastAnswer = lastError;
                        if (reply.LeaderEndpoint is { } hint && hint != target && hintsFollowed < _endpoints.Count + 1)
                        {
                            hintsFollowed++;
                            logger.LogDebug("{Group}: {Error}; following the hint", group, lastError);
                            target = hint;
                            continue;
                        }
                        break;
                    case ReplyRouting.TryElsewhere:
                        ForgetLeader(group, target);
                        lastError = lastAnswer = $"{target}: {reply.StatusName}: {reply.Message}";
                        break;
                    default:
                        var failure = $"{group}: {describe()} failed on {target}: {reply.StatusName}: {reply.Message}";
                        logger.LogError("{Failure}", failure);
                        return new(null, failure, reply);
                }
            }
            catch (RpcCallException e)
            {
                ForgetLeader(group, target);
                lastError = e.Message;
            }
            logger.LogDebug("{Group}: {Request} attempt {Attempt}: {Error}", group, describe(), attempts, lastError);
            hintsFollowed = 0;
            target = NextEndpoint(target);
            // The pause leaves the last attempt enough time to be worth making (not "no reply within 0 ms").
            var left = options.RetryBudget - Stopwatch.GetElapsedTime(started) - MinimumAttempt;
            if (left <= TimeSpan.Zero) break;
            await Task.Delay(backoff < left ? backoff : left, cancellationToken).ConfigureAwait(false);
            backoff = backoff * 2 < options.MaxBackoff ? backoff * 2 : options.MaxBackoff;
        }
        var message = $"{group}: {describe()} failed: no leader answered within the retry budget of {options.RetryBudget.TotalSeconds:0.###} s " +
                      $"({attempts} attempts; endpoints {EndpointList}); last error: {lastError ?? "none"}" +
                      (lastAnswer is not null && lastAnswer != lastError ? $"; last answer from a server: {lastAnswer}" : "");
        logger.LogError("{Failure}", message);
        return new(null, message);
    }

    private void RememberLeader(string group, string endpoint)
    {
        if (_leaders.TryGetValue(group, out var known) && known == endpoint) return;
        _leaders[group] = endpoint;
        logger.LogInformation("{Group}: leader is {Endpoint}{Previous}", group, endpoint, known is null ? "" : $" (was {known})");
    }

    private void ForgetLeader(string group, string endpoint) =>
        _leaders.TryRemove(new KeyValuePair<string, string>(group, endpoint));

    /// <summary>The endpoint after <paramref name="current"/> in the list; after a hinted endpoint that is not
    /// in the list, the next one in a rotation shared by all calls.</summary>
    private string NextEndpoint(string current)
    {
        for (var i = 0; i < _endpoints.Count; i++)
            if (_endpoints[i] == current) return _endpoints[(i + 1) % _endpoints.Count];
        return _endpoints[(int)((uint)Interlocked.Increment(ref _rotation) % (uint)_endpoints.Count)];
    }
}
