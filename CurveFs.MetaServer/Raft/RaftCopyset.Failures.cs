using CurveFs.MetaServer.Hosting;
using DotNext.IO.Log;
using Microsoft.Extensions.Logging;

namespace CurveFs.MetaServer.Raft;

/// <summary>Failure detection: a replica that cannot serve correctly stops its Raft node and says why.</summary>
public sealed partial class RaftCopyset
{
    private static readonly TimeSpan MonitorInterval = TimeSpan.FromMilliseconds(500);

    /// <summary>Marks the replica Unavailable (the first failure wins), logs it and stops the Raft node in the
    /// background, so a replica with a broken log or state neither votes nor accepts entries.</summary>
    private void Fail(string what, Exception? cause, string? operatorStep = null)
    {
        var step = operatorStep ??
            "the replica stopped its Raft node and refuses to serve. Restart the metaserver; if the same failure comes back, " +
            DamagedDataStep;
        lock (_gate)
        {
            if (_problem is not null) return;
            _problem = $"copyset {CopysetId} on node {NodeId}: {what.TrimEnd('.')}. {char.ToUpperInvariant(step[0])}{step[1..]}";
        }
        _logger.LogCritical(cause, "{Problem}", _problem);
        _ = StopClusterOnceAsync();
    }

    /// <summary>True for the exceptions DotNext raises when its log, not the request, is broken.</summary>
    private static bool IsLogFailure(Exception e) => e switch
    {
        IntegrityException => true,
        System.Diagnostics.UnreachableException => true, // RaftCluster's "zombie" state after a critical failure
        AggregateException a => a.InnerExceptions.Any(IsLogFailure),
        _ => e.InnerException is { } inner && IsLogFailure(inner),
    };

    private CopysetUnavailableException Unavailable(Exception? inner = null) =>
        new(_problem ?? $"copyset {CopysetId} on node {NodeId} is stopped", inner);

    private void ThrowIfUnavailable()
    {
        if (_problem is not null || _stopped || _cluster is null) throw Unavailable();
    }

    /// <summary>Polls the log and the Raft node: DotNext reports a failed background flush or apply only to
    /// the next caller, and a follower may have no caller at all.</summary>
    private async Task MonitorAsync(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(MonitorInterval);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false) && _problem is null)
            {
                try
                {
                    _ = _cluster!.ConsensusToken; // throws once the node went "zombie"
                    using var probe = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                    probe.CancelAfter(MonitorInterval);
                    await _wal!.WaitForApplyAsync(0, probe.Token).ConfigureAwait(false); // throws once the WAL failed
                }
                catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                {
                    // the applier is busy; not a failure
                }
                catch (Exception e) when (!cancellationToken.IsCancellationRequested && IsLogFailure(e))
                {
                    Fail($"the write-ahead log failed: {e.GetType().Name}: {(e.InnerException ?? e).Message}", e);
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }
}
