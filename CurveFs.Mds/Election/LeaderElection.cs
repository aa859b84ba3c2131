using System.Diagnostics;
using System.Text.Json;
using CurveFs.Mds.Etcd;
using Microsoft.Extensions.Logging;

namespace CurveFs.Mds.Election;

/// <summary>The value of the leader key: who leads and where clients reach it.</summary>
public sealed record LeaderRecord(string Name, string RpcEndpoint, long LeaseId, long ElectedUnixMs);

/// <summary>Timing of the election (see docs/mds.md, "Election").</summary>
public sealed record ElectionOptions
{
    /// <summary>TTL of the leader's lease in etcd (whole seconds, at least 2). A leader that dies is replaced
    /// within about this long; a leader that cannot renew stops serving after two thirds of it.</summary>
    public TimeSpan LeaseTtl { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>How often a standby looks at the leader key (it campaigns when the key is gone).</summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>The leader renews its lease every LeaseTtl / 3.</summary>
    public TimeSpan RenewInterval => LeaseTtl / 3;

    /// <summary>A leader serves for this long after it sent its last successful renewal (or grant):
    /// LeaseTtl * 2/3, so it stops LeaseTtl / 3 before etcd can expire the lease and elect another.</summary>
    public TimeSpan ServeWindow => LeaseTtl * 2 / 3;
}

/// <summary>
/// Leader election among MDS processes through one etcd key (<see cref="MdsKeys.Leader"/>):
/// <list type="bullet">
/// <item>campaign: grant a lease, then one transaction <c>if leader key absent then put key = LeaderRecord
/// (bound to the lease) else get key</c>. Success makes this process the leader; otherwise it remembers who
/// leads (the hint standbys give clients) and looks again every <see cref="ElectionOptions.PollInterval"/>.</item>
/// <item>lead: renew the lease every TTL/3 and check that the key still carries it. The process is leader only
/// while <see cref="IsLeader"/>: less than TTL*2/3 since the renewal (or grant) that last succeeded was
/// <b>sent</b>, measured on a monotonic clock. etcd expires the lease no earlier than TTL after that send, so a
/// leader cut off from etcd (or paused) stops serving at least TTL/3 before any other can be elected.</item>
/// <item>step down: on a lost lease, a key that no longer carries it, or the window running out. A clean
/// stop (<see cref="DisposeAsync"/>) revokes the lease, so a standby takes over at its next look.</item>
/// </list>
/// Correctness of the data does not depend on a single leader: chunk IDs and filesystem records are changed
/// only by compare-and-swap transactions. The election decides who serves clients.
/// </summary>
public sealed class LeaderElection : IAsyncDisposable
{
    private readonly EtcdKv _etcd;
    private readonly MdsKeys _keys;
    private readonly string _name;
    private readonly string _rpcEndpoint;
    private readonly ElectionOptions _options;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stop = new();
    private readonly object _stateLock = new();
    private Task? _loop;
    private long _lease;            // non-zero while leading
    private long _serveUntil;       // Stopwatch timestamp
    private long _renewedAt;        // Stopwatch timestamp of the send of the last successful grant or renewal
    private long _staleLease;       // a lease of an earlier term, revoked before campaigning again
    private LeaderRecord? _knownLeader;
    private long _knownLeaderSeen;  // Stopwatch timestamp of the read that saw it
    private string? _etcdError;

    public LeaderElection(EtcdKv etcd, MdsKeys keys, string name, string rpcEndpoint, ElectionOptions options, ILogger logger)
    {
        if (options.LeaseTtl < TimeSpan.FromSeconds(2)) throw new ArgumentException($"the lease TTL must be at least 2 s, not {options.LeaseTtl}");
        _etcd = etcd;
        _keys = keys;
        _name = name;
        _rpcEndpoint = rpcEndpoint;
        _options = options;
        _logger = logger;
    }

    /// <summary>Called (on the election's thread) after this process became leader, before it serves.</summary>
    public event Action? Elected;

    /// <summary>Called after this process stopped being leader.</summary>
    public event Action? Deposed;

    public string Name => _name;

    /// <summary>True while this process leads and its lease is certainly alive in etcd.</summary>
    public bool IsLeader
    {
        get
        {
            lock (_stateLock) return _lease != 0 && Stopwatch.GetTimestamp() < _serveUntil;
        }
    }

    /// <summary>The leader as last seen (itself when leading); null when unknown or not seen for a lease TTL.</summary>
    public LeaderRecord? KnownLeader
    {
        get
        {
            lock (_stateLock)
            {
                if (_knownLeader is null) return null;
                return Stopwatch.GetElapsedTime(_knownLeaderSeen) < _options.LeaseTtl ? _knownLeader : null;
            }
        }
    }

    /// <summary>What the last failed etcd operation said, or null after a success.</summary>
    public string? EtcdError => Volatile.Read(ref _etcdError);

    /// <summary>Starts campaigning in the background.</summary>
    public void Start() => _loop ??= Task.Run(RunAsync);

    /// <summary>Waits until some process leads (this one or another); for tests and start-up messages.</summary>
    public async Task<bool> WaitForLeaderAsync(TimeSpan timeout)
    {
        var started = Stopwatch.GetTimestamp();
        while (Stopwatch.GetElapsedTime(started) < timeout)
        {
            if (IsLeader || KnownLeader is not null) return true;
            await Task.Delay(20).ConfigureAwait(false);
        }
        return false;
    }

    private async Task RunAsync()
    {
        var token = _stop.Token;
        while (!token.IsCancellationRequested)
        {
            try
            {
                if (_lease == 0) await CampaignAsync(token).ConfigureAwait(false);
                else await RenewAsync(token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (token.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e) when (e is EtcdException or InvalidDataException or JsonException)
            {
                if (Volatile.Read(ref _etcdError) is null)
                    _logger.LogWarning("MDS {Name}: election: {Message}", _name, e.Message);
                Volatile.Write(ref _etcdError, e.Message);
                if (_lease != 0 && Stopwatch.GetTimestamp() >= Volatile.Read(ref _serveUntil))
                    StepDown($"could not renew the lease within {_options.ServeWindow.TotalSeconds:0.#} s ({e.Message})");
                await Delay(_lease != 0 ? TimeSpan.FromMilliseconds(200) : _options.PollInterval, token).ConfigureAwait(false);
            }
            catch (Exception e)
            {
                _logger.LogError(e, "MDS {Name}: election failed unexpectedly: {Message}", _name, e.Message);
                if (_lease != 0) StepDown("unexpected failure");
                await Delay(_options.PollInterval, token).ConfigureAwait(false);
            }
        }
    }

    private async Task CampaignAsync(CancellationToken token)
    {
        if (_staleLease != 0)
        {
            // Our lease of an earlier term may still hold the key: revoke it so the key frees at once.
            await _etcd.RevokeLeaseAsync(_staleLease, token).ConfigureAwait(false);
            _staleLease = 0;
        }
        var current = await _etcd.GetAsync(_keys.Leader, token).ConfigureAwait(false);
        ClearEtcdError();
        if (current is not null)
        {
            var holder = JsonSerializer.Deserialize<LeaderRecord>(current.Value)
                ?? throw new InvalidDataException($"etcd key {_keys.Leader} holds no leader record");
            if (holder.Name == _name)
            {
                // A previous run of this MDS (names are unique per MDS): its lease is dead with it.
                _logger.LogInformation("MDS {Name}: the leader key names this MDS from an earlier run (lease {Lease:x}); revoking that lease", _name, current.Lease);
                await _etcd.RevokeLeaseAsync(current.Lease, token).ConfigureAwait(false);
                return;
            }
            SeeLeader(holder);
            await Delay(_options.PollInterval, token).ConfigureAwait(false);
            return;
        }

        var sent = Stopwatch.GetTimestamp();
        var lease = await _etcd.GrantLeaseAsync(_options.LeaseTtl, token).ConfigureAwait(false);
        var record = new LeaderRecord(_name, _rpcEndpoint, lease, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
        EtcdTxnResult result;
        try
        {
            result = await _etcd.TxnAsync("campaign for MDS leader",
                [EtcdCompare.Absent(_keys.Leader)],
                [EtcdOp.Put(_keys.Leader, JsonSerializer.SerializeToUtf8Bytes(record), lease)],
                [EtcdOp.Get(_keys.Leader)], token).ConfigureAwait(false);
        }
        catch
        {
            _staleLease = lease; // the put may have happened: revoke before the next try
            throw;
        }
        if (!result.Succeeded)
        {
            await _etcd.RevokeLeaseAsync(lease, token).ConfigureAwait(false);
            if (result.Reads[0] is { } other && JsonSerializer.Deserialize<LeaderRecord>(other.Value) is { } holder) SeeLeader(holder);
            await Delay(_options.PollInterval, token).ConfigureAwait(false);
            return;
        }
        lock (_stateLock)
        {
            _lease = lease;
            _renewedAt = sent;
            _serveUntil = sent + (long)(_options.ServeWindow.TotalSeconds * Stopwatch.Frequency);
            _knownLeader = record;
            _knownLeaderSeen = Stopwatch.GetTimestamp();
        }
        _logger.LogInformation("MDS {Name}: elected leader (lease {Lease:x}, TTL {Ttl:0.#} s), serving at {Endpoint}", _name, lease, _options.LeaseTtl.TotalSeconds, _rpcEndpoint);
        Elected?.Invoke();
    }

    private async Task RenewAsync(CancellationToken token)
    {
        // Due RenewInterval after the last success; at once again after a failed try (the loop paused 200 ms).
        var due = _options.RenewInterval - Stopwatch.GetElapsedTime(Volatile.Read(ref _renewedAt));
        if (due > TimeSpan.Zero) await Delay(due, token).ConfigureAwait(false);
        var lease = _lease;
        var sent = Stopwatch.GetTimestamp();
        var ttl = await _etcd.KeepAliveOnceAsync(lease, token).ConfigureAwait(false);
        if (ttl is null)
        {
            StepDown($"lease {lease:x} expired in etcd");
            return;
        }
        var key = await _etcd.GetAsync(_keys.Leader, token).ConfigureAwait(false);
        if (key is null || key.Lease != lease)
        {
            _staleLease = lease;
            StepDown(key is null ? "the leader key was deleted" : $"the leader key is bound to another lease ({key.Lease:x})");
            return;
        }
        ClearEtcdError();
        lock (_stateLock)
        {
            if (_lease != lease) return;
            _renewedAt = sent;
            _serveUntil = sent + (long)(_options.ServeWindow.TotalSeconds * Stopwatch.Frequency);
            _knownLeaderSeen = Stopwatch.GetTimestamp();
        }
    }

    private void StepDown(string why)
    {
        long lease;
        lock (_stateLock)
        {
            lease = _lease;
            if (lease == 0) return;
            _lease = 0;
            _serveUntil = 0;
            _knownLeader = null;
        }
        _staleLease = lease;
        _logger.LogWarning("MDS {Name}: no longer leader: {Why}", _name, why);
        Deposed?.Invoke();
    }

    private void SeeLeader(LeaderRecord holder)
    {
        lock (_stateLock)
        {
            if (_knownLeader?.LeaseId != holder.LeaseId)
                _logger.LogInformation("MDS {Name}: standby; leader is {Leader} at {Endpoint}", _name, holder.Name, holder.RpcEndpoint);
            _knownLeader = holder;
            _knownLeaderSeen = Stopwatch.GetTimestamp();
        }
    }

    private void ClearEtcdError()
    {
        if (Interlocked.Exchange(ref _etcdError, null) is not null)
            _logger.LogInformation("MDS {Name}: etcd at {Endpoints} answers again", _name, _etcd.EndpointList);
    }

    private static Task Delay(TimeSpan delay, CancellationToken token) => Task.Delay(delay, token);

    /// <summary>Stops the election as a crash would: no revoke, the lease expires in etcd (tests).</summary>
    internal async Task AbandonAsync()
    {
        _stop.Cancel();
        if (_loop is not null)
        {
            try
            {
                await _loop.ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
            }
        }
        lock (_stateLock)
        {
            _lease = 0;
            _staleLease = 0;
            _serveUntil = 0;
        }
    }

    /// <summary>Stops campaigning; a leader revokes its lease (best effort, bounded by the etcd timeout) so another takes over at once.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_stop.IsCancellationRequested) return;
        _stop.Cancel();
        if (_loop is not null)
        {
            try
            {
                await _loop.ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
            }
        }
        long lease;
        lock (_stateLock)
        {
            lease = _lease != 0 ? _lease : _staleLease;
            var wasLeader = _lease != 0;
            _lease = 0;
            _serveUntil = 0;
            if (wasLeader) _logger.LogInformation("MDS {Name}: stepping down (stopping)", _name);
        }
        if (lease != 0)
        {
            try
            {
                await _etcd.RevokeLeaseAsync(lease).ConfigureAwait(false);
            }
            catch (EtcdException e)
            {
                _logger.LogWarning("MDS {Name}: could not revoke lease {Lease:x} ({Message}); the next leader waits for it to expire", _name, lease, e.Message);
            }
        }
        _stop.Dispose();
    }
}
