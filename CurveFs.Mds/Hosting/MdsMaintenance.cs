using CurveFs.Mds.Election;
using CurveFs.Mds.Etcd;
using CurveFs.Mds.FsManager;
using CurveFs.Mds.Partitions;
using CurveFs.Mds.Sessions;
using CurveFs.Mds.Topology;
using Microsoft.Extensions.Logging;

namespace CurveFs.Mds.Hosting;

/// <summary>
/// The leader's background work, each job in its own loop so a copyset that does not answer cannot hold up the
/// others: expiring sessions (every <see cref="MdsTimings.MaintenanceInterval"/>), marking silent metaservers
/// offline (same interval), and finishing partitions left half-made by an interrupted request or a failover
/// (when there may be some, at most every 5 s). Standbys do nothing. All of it is driven by what is in etcd,
/// so a new leader picks up where the old one stopped.
/// </summary>
internal sealed class MdsMaintenance : IAsyncDisposable
{
    private static readonly TimeSpan PendingInterval = TimeSpan.FromSeconds(5);

    private readonly LeaderElection _election;
    private readonly MetaServerRegistry _registry;
    private readonly SessionTable _sessions;
    private readonly PartitionAllocator _partitions;
    private readonly FsStore _filesystems;
    private readonly MdsTimings _timings;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stop = new();
    private readonly SemaphoreSlim _sessionKick = new(0, 1);
    private readonly List<Task> _loops = [];

    public MdsMaintenance(LeaderElection election, MetaServerRegistry registry, SessionTable sessions, PartitionAllocator partitions, FsStore filesystems,
        MdsTimings timings, ILogger logger)
    {
        _election = election;
        _registry = registry;
        _sessions = sessions;
        _partitions = partitions;
        _filesystems = filesystems;
        _timings = timings;
        _logger = logger;
    }

    public void Start()
    {
        _loops.Add(Task.Run(() => LoopAsync("session expiry", _timings.MaintenanceInterval, _sessionKick,
            async token => await _sessions.ExpireDueAsync(token).ConfigureAwait(false))));
        _loops.Add(Task.Run(() => LoopAsync("metaserver heartbeats", _timings.MaintenanceInterval, null,
            async token => await _registry.DetectOfflineAsync(token).ConfigureAwait(false))));
        _loops.Add(Task.Run(() => LoopAsync("unfinished partitions", PendingInterval, null,
            async token => await _partitions.CompletePendingAsync(_filesystems, token).ConfigureAwait(false))));
    }

    /// <summary>Looks for sessions to finish now (a session was closed).</summary>
    public void KickSessions()
    {
        if (_sessionKick.CurrentCount == 0)
        {
            try
            {
                _sessionKick.Release();
            }
            catch (SemaphoreFullException)
            {
            }
        }
    }

    private async Task LoopAsync(string job, TimeSpan interval, SemaphoreSlim? kick, Func<CancellationToken, Task> work)
    {
        var token = _stop.Token;
        string? lastError = null;
        while (!token.IsCancellationRequested)
        {
            try
            {
                if (kick is null) await Task.Delay(interval, token).ConfigureAwait(false);
                else await kick.WaitAsync(interval, token).ConfigureAwait(false);
                if (!_election.IsLeader) continue;
                await work(token).ConfigureAwait(false);
                if (lastError is not null) _logger.LogInformation("MDS {Name}: {Job} works again", _election.Name, job);
                lastError = null;
            }
            catch (OperationCanceledException) when (token.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e) when (e is EtcdException or OperationCanceledException)
            {
                if (lastError is null) _logger.LogWarning("MDS {Name}: {Job}: {Message}; trying again", _election.Name, job, e.Message);
                lastError = e.Message;
            }
            catch (Exception e)
            {
                _logger.LogError(e, "MDS {Name}: {Job} failed: {Message}", _election.Name, job, e.Message);
                lastError = e.Message;
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_stop.IsCancellationRequested) return;
        _stop.Cancel();
        try
        {
            await Task.WhenAll(_loops).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
        _stop.Dispose();
    }
}
