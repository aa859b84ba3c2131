using CurveFs.Common.Meta;
using CurveFs.MetaServer.Hosting;
using CurveFs.MetaServer.Storage;
using DotNext.Net.Cluster.Consensus.Raft;
using NotLeaderException = CurveFs.MetaServer.Hosting.NotLeaderException;

namespace CurveFs.MetaServer.Raft;

/// <summary>Commands, reads and sync: what clients call, and how DotNext's exceptions become ours.</summary>
public sealed partial class RaftCopyset
{
    /// <summary>Replicates the command and returns the result of its apply on this (leader) replica.</summary>
    /// <exception cref="NotLeaderException">this replica is not the leader (names the leader's RPC endpoint when known).</exception>
    /// <exception cref="TimeoutException">no quorum committed it within the request timeout; it may still be applied later
    /// (numbered commands are safe to retry).</exception>
    /// <exception cref="CopysetUnavailableException">the replica cannot serve (see <see cref="CopysetStatus.Problem"/>).</exception>
    public async ValueTask<MetaResult> ExecuteAsync(CommandEnvelope command, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(command);
        var cluster = LeaderClusterOrThrow();
        var payload = MetaCodec.Encode(command);
        var context = new ApplyContext();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _lifetime.Token);
        timeout.CancelAfter(_options.RequestTimeout);
        try
        {
            await cluster.ReplicateAsync(payload, context, timeout.Token).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            throw Translate(e, $"command {command.Command?.GetType().Name}", cancellationToken);
        }
        if (context.Result is { } result) return result;

        // Applied, but not through this call's context (DotNext did not hand it over): a numbered command's
        // result is in the state; an unnumbered one's is lost, so say so rather than guess.
        if (command.ClientId != 0)
        {
            var stored = ReadLocalState(kv => kv.Get(MetaKeys.RequestKey(command.ClientId, command.Seq)));
            if (stored is not null) return MetaCodec.Decode<MetaResult>(stored);
        }
        throw new InvalidOperationException(
            $"copyset {CopysetId}: command {command.Command?.GetType().Name} was committed but its result did not reach the caller; read the state to see its effect");
    }

    /// <summary>Runs the query on the leader after a read barrier: the state includes every command that
    /// completed anywhere before this call started.</summary>
    public async ValueTask<T> ReadAsync<T>(Func<IKvReader, T> query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        var cluster = LeaderClusterOrThrow();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _lifetime.Token);
        timeout.CancelAfter(_options.RequestTimeout);
        try
        {
            await cluster.ApplyReadBarrierAsync(ReadBarrierType.Strong, timeout.Token).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            throw Translate(e, "read", cancellationToken);
        }
        // The barrier held leadership at a moment after the call began; a leader change since then does
        // not make the answer stale for this call. A replica that failed meanwhile must not answer.
        ThrowIfUnavailable();
        return ReadLocalState(query);
    }

    /// <summary>Waits until the write-ahead log has flushed every committed entry and its commit checkpoint
    /// to disk on this replica (committed entries are on a majority of disks already).</summary>
    public async ValueTask SyncAsync(CancellationToken cancellationToken = default)
    {
        ThrowIfUnavailable();
        try
        {
            await _wal!.FlushAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            throw Translate(e, "sync", cancellationToken);
        }
    }

    private T ReadLocalState<T>(Func<IKvReader, T> query)
    {
        var machine = _machine!;
        machine.Lock.EnterReadLock();
        try
        {
            return query(_state.Store);
        }
        finally
        {
            machine.Lock.ExitReadLock();
        }
    }

    private RaftCluster LeaderClusterOrThrow()
    {
        ThrowIfUnavailable();
        var cluster = _cluster!;
        var leader = cluster.Leader;
        if (leader is null || leader.IsRemote) throw new NotLeaderException(CopysetId, RpcEndpointOf(leader?.EndPoint));
        return cluster;
    }

    private NotLeaderException NotLeader() => new(CopysetId, RpcEndpointOf(_cluster?.Leader is { IsRemote: true } leader ? leader.EndPoint : null));

    /// <summary>Maps what DotNext throws to the exceptions ICopyset documents.</summary>
    private Exception Translate(Exception e, string operation, CancellationToken callerToken)
    {
        if (_problem is not null || IsLogFailure(e))
        {
            if (_problem is null) Fail($"the write-ahead log failed during a {operation}: {e.GetType().Name}: {(e.InnerException ?? e).Message}", e);
            return Unavailable(e);
        }
        switch (e)
        {
            case OperationCanceledException when callerToken.IsCancellationRequested:
                return new OperationCanceledException($"copyset {CopysetId}: {operation} canceled by the caller", e, callerToken);
            case OperationCanceledException or ObjectDisposedException when _stopped:
                return Unavailable(e);
            case DotNext.Net.Cluster.Consensus.Raft.NotLeaderException:
            case QuorumUnreachableException:
            case InvalidOperationException when e is not ObjectDisposedException && _cluster?.Leader is not { IsRemote: false }:
                return NotLeader();
            case OperationCanceledException:
                var status = Status;
                return new TimeoutException(
                    $"copyset {CopysetId} on node {NodeId}: {operation} not completed within {_options.RequestTimeout.TotalSeconds:0.#} s " +
                    $"(role {status.Role}, term {status.Term}, commit index {status.CommitIndex}, applied {status.AppliedIndex}); " +
                    "the quorum may be unreachable. A command may still be applied later: retry it with the same ClientId/Seq", e);
            default:
                return e;
        }
    }
}
