using System.Collections.Concurrent;
using CurveFs.Common.Meta;
using CurveFs.Common.Rpc;
using Microsoft.Extensions.Logging;

namespace CurveFs.Mds.Topology;

/// <summary>A copyset did not answer the MDS within its budget; the message names it, its members and the last error.</summary>
public sealed class CopysetUnreachableException(uint copysetId, string message) : Exception(message)
{
    public uint CopysetId { get; } = copysetId;
}

/// <summary>
/// The MDS's client of the metaservers: sends commands and queries to the leader of a copyset (its members
/// as registered) through the shared <see cref="LeaderInvoker"/> (leader cache, NotLeader hints, backoff),
/// within a budget per call. The MDS's commands are unnumbered (<see cref="CommandEnvelope"/> ClientId 0)
/// because each one is idempotent by its content: CreatePartition of an existing partition ID, InitFs of a
/// filesystem whose root exists, and ExpireClient of a forgotten client all succeed without changing anything.
/// So a retry after a lost reply, or the next leader finishing the work after a failover, is safe, and no
/// deduplication answer is left behind in the copyset. Thread-safe.
/// </summary>
public sealed class CopysetClient : IDisposable
{
    private const string ServerKind = "metaserver";

    private readonly GrpcClient _rpc;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<(uint, TimeSpan), (string Members, LeaderInvoker Invoker)> _invokers = new();

    public CopysetClient(TimeSpan callTimeout, ILogger logger)
    {
        _rpc = new GrpcClient(ServerKind, callTimeout);
        _logger = logger;
    }

    /// <summary>Applies <paramref name="command"/> in the copyset; returns its result (errno included).</summary>
    /// <exception cref="CopysetUnreachableException">no leader of the copyset answered within <paramref name="budget"/>.</exception>
    public async Task<MetaResult> ExecuteAsync(CopysetRecord copyset, MetaCommand command, TimeSpan budget, CancellationToken cancellationToken)
    {
        var request = new ExecuteRequest { CopysetId = copyset.CopysetId, Envelope = CommandEnvelope.Unnumbered(command) };
        var what = $"{command.GetType().Name} (fs {command.FsId})";
        var outcome = await InvokerFor(copyset, budget).CallAsync(MetaRpc.Execute, Group(copyset), request, () => what, cancellationToken).ConfigureAwait(false);
        return outcome.Reply?.Result ?? throw Unreachable(copyset, what, outcome.Failure);
    }

    /// <summary>Runs <paramref name="query"/> in the copyset.</summary>
    /// <exception cref="CopysetUnreachableException">no leader of the copyset answered within <paramref name="budget"/>.</exception>
    public async Task<QueryResult> QueryAsync(CopysetRecord copyset, MetaQuery query, TimeSpan budget, CancellationToken cancellationToken)
    {
        var request = new QueryRequest { CopysetId = copyset.CopysetId, Query = query };
        var what = $"{query.GetType().Name} (fs {query.FsId})";
        var outcome = await InvokerFor(copyset, budget).CallAsync(MetaRpc.Query, Group(copyset), request, () => what, cancellationToken).ConfigureAwait(false);
        return outcome.Reply?.Result ?? throw Unreachable(copyset, what, outcome.Failure);
    }

    /// <summary>Applies a command that must succeed.</summary>
    /// <exception cref="CopysetUnreachableException">no leader answered.</exception>
    /// <exception cref="InvalidOperationException">the copyset answered with an error (the message names it).</exception>
    public async Task<MetaResult> ExecuteCheckedAsync(CopysetRecord copyset, MetaCommand command, TimeSpan budget, CancellationToken cancellationToken)
    {
        var result = await ExecuteAsync(copyset, command, budget, cancellationToken).ConfigureAwait(false);
        if (!result.Ok)
            throw new InvalidOperationException($"copyset {copyset.CopysetId} refused {command.GetType().Name} of fs {command.FsId} with {result.Error}");
        return result;
    }

    private static string Group(CopysetRecord copyset) => $"copyset {copyset.CopysetId}";

    private static CopysetUnreachableException Unreachable(CopysetRecord copyset, string what, string? failure) =>
        new(copyset.CopysetId, failure ?? $"copyset {copyset.CopysetId} ({string.Join(", ", copyset.Endpoints)}): {what} got no answer");

    /// <summary>One invoker per copyset and budget, rebuilt when the copyset's members change.</summary>
    private LeaderInvoker InvokerFor(CopysetRecord copyset, TimeSpan budget)
    {
        if (copyset.Endpoints.Count == 0)
            throw new CopysetUnreachableException(copyset.CopysetId, $"copyset {copyset.CopysetId} has no registered members: no metaserver hosting it has registered");
        var members = string.Join(",", copyset.Endpoints);
        var key = (copyset.CopysetId, budget);
        if (_invokers.TryGetValue(key, out var known) && known.Members == members) return known.Invoker;
        var options = new RetryOptions
        {
            Endpoints = [.. copyset.Endpoints],
            CallTimeout = budget,
            RetryBudget = budget,
            MaxBackoff = TimeSpan.FromMilliseconds(250),
        };
        var invoker = new LeaderInvoker(options, _rpc, _logger);
        _invokers[key] = (members, invoker);
        return invoker;
    }

    public void Dispose() => _rpc.Dispose();
}
