using CurveFs.Common.Rpc;
using CurveFs.Mount.Meta.Topology;
using Microsoft.Extensions.Logging;

namespace CurveFs.Mount.Meta;

/// <summary>
/// A mount's session with the MDS (its mount record): opened at mount, kept alive by heartbeats every
/// third of the lease, closed at unmount. Its ID is the client ID of the mount's numbered requests and
/// orphan holds, so when the MDS expires a silent session it can clean exactly that client's state. If a
/// heartbeat finds the session expired (the mount was cut off longer than the lease), a new session is
/// opened and the client continues under the new ID; the log says so.
/// </summary>
public sealed class MdsSession : IAsyncDisposable
{
    private readonly MdsClient _mds;
    private readonly uint _fsId;
    private readonly string _mountPoint;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stop = new();
    private Task _loop = Task.CompletedTask;

    private MdsSession(MdsClient mds, uint fsId, string mountPoint, SessionReply opened, ILogger logger)
    {
        _mds = mds;
        _fsId = fsId;
        _mountPoint = mountPoint;
        _logger = logger;
        Id = opened.SessionId;
        LeaseSeconds = Math.Max(1, opened.LeaseSeconds);
    }

    public ulong Id { get; private set; }
    public int LeaseSeconds { get; private set; }

    /// <summary>Called with the new ID after the session had to be opened again.</summary>
    public Action<ulong>? Reopened { get; set; }

    /// <exception cref="IOException">the MDS did not open a session (message says why).</exception>
    public static async Task<MdsSession> OpenAsync(MdsClient mds, uint fsId, string mountPoint, ILogger logger, CancellationToken cancellationToken = default)
    {
        var opened = await mds.OpenSessionAsync(fsId, Environment.MachineName, mountPoint, Environment.ProcessId, cancellationToken).ConfigureAwait(false);
        if (opened.SessionId == 0) throw new IOException($"the MDS opened session 0 for fs {fsId}: that ID is reserved");
        var session = new MdsSession(mds, fsId, mountPoint, opened, logger);
        logger.LogInformation("session {Session} opened for fs {FsId} (lease {Lease} s)", session.Id, fsId, session.LeaseSeconds);
        return session;
    }

    public void Start() => _loop = Task.Run(HeartbeatLoopAsync);

    private async Task HeartbeatLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(TimeSpan.FromSeconds(LeaseSeconds / 3.0), _stop.Token).ConfigureAwait(false);
                if (!await _mds.HeartbeatAsync(Id, _stop.Token).ConfigureAwait(false))
                {
                    var old = Id;
                    var opened = await _mds.OpenSessionAsync(_fsId, Environment.MachineName, _mountPoint, Environment.ProcessId, _stop.Token).ConfigureAwait(false);
                    Id = opened.SessionId;
                    LeaseSeconds = Math.Max(1, opened.LeaseSeconds);
                    Reopened?.Invoke(Id);
                    _logger.LogError("session {Old} had expired (no heartbeat reached the MDS for {Lease} s): files this mount had open after unlinking them may have been deleted; continuing as session {New}",
                        old, LeaseSeconds, Id);
                }
            }
            catch (OperationCanceledException) when (_stop.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                _logger.LogWarning("session {Session}: heartbeat failed: {Message}", Id, e.Message);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        await _loop.ConfigureAwait(false);
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await _mds.CloseSessionAsync(Id, timeout.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or OperationCanceledException)
        {
            _logger.LogWarning("closing session {Session} failed ({Message}); the MDS expires it after {Lease} s", Id, e.Message, LeaseSeconds);
        }
    }
}
