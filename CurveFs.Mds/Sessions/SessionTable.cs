using System.Collections.Concurrent;
using CurveFs.Common.Meta;
using CurveFs.Common.Rpc;
using CurveFs.Mds.Etcd;
using CurveFs.Mds.FsManager;
using CurveFs.Mds.Hosting;
using CurveFs.Mds.Partitions;
using CurveFs.Mds.Topology;
using Microsoft.Extensions.Logging;

namespace CurveFs.Mds.Sessions;

/// <summary>A mount's session as the MDS records it in etcd (<c>{prefix}session/{id:D20}</c>, JSON).</summary>
public sealed record SessionRecord
{
    public ulong SessionId { get; init; }
    public uint FsId { get; init; }
    public string Host { get; init; } = "";
    public string MountPoint { get; init; } = "";
    public int Pid { get; init; }
    /// <summary>The lease the session was opened with (the MDS's sessionLeaseSeconds then).</summary>
    public int LeaseSeconds { get; init; }
    public long OpenedUnixMs { get; init; }
    /// <summary>The last heartbeat written here, Unix nanoseconds (the leader keeps the exact time in memory and
    /// writes it when the stored one is older than a third of the lease).</summary>
    public long LastHeartbeatUnixNs { get; init; }
    /// <summary>Set (compare-and-swap) before the copysets are told to forget the client; from then on the session
    /// is gone for the client (Heartbeat answers NotFound), and the leader deletes it once every copyset did.</summary>
    public bool Expiring { get; init; }
}

/// <summary>
/// Sessions (mount records) in etcd, handled by the leader (docs/mds.md, "Sessions"):
/// <list type="bullet">
/// <item>open: <c>if mod_revision(sessionid) == R and mod_revision(fs/id/{fs}) == F then put sessionid = id + 1,
/// session/{id} = record</c>: IDs are unique, never 0 and never reused, across failover (they number the client's
/// requests in the copysets).</item>
/// <item>heartbeat: the time is kept in memory; the record is rewritten (compare-and-swap) when its stored time is
/// older than lease/3, so a new leader never sees a live session more than that stale, and counts its own
/// election as a heartbeat of every session.</item>
/// <item>expiry: a session silent for its lease is marked <c>expiring</c> (compare-and-swap, so a heartbeat that
/// was just written wins), then <c>ExpireClientCommand</c> goes to every copyset holding partitions of its
/// filesystem, then the record is deleted. A close marks it expiring the same way. An expiring session is
/// finished by whichever leader sees it, so the work survives failover.</item>
/// </list>
/// Thread-safe.
/// </summary>
public sealed class SessionTable(EtcdKv etcd, MdsKeys keys, PartitionTable partitions, MetaServerRegistry registry, CopysetClient copysets,
    FsLocks locks, MdsTimings timings, ILogger logger)
{
    private const int MaxAttempts = 32;
    public const int MaxTextLength = 4096;

    private readonly ConcurrentDictionary<ulong, long> _heardNs = new();
    private long _termStartedNs = NowNs();

    /// <summary>Forgets the heartbeat times in memory (a term started or ended); the new term counts from now.</summary>
    public void Reset()
    {
        _heardNs.Clear();
        Volatile.Write(ref _termStartedNs, NowNs());
    }

    /// <summary>Opens a session of filesystem <paramref name="fsId"/>; null when the filesystem does not exist.</summary>
    public async Task<SessionRecord?> OpenAsync(uint fsId, string host, string mountPoint, int pid, CancellationToken cancellationToken)
    {
        if (host.Length > MaxTextLength || mountPoint.Length > MaxTextLength)
            throw new ArgumentException($"host and mount point must be at most {MaxTextLength} characters");
        using var held = await locks.AcquireAsync(fsId, cancellationToken).ConfigureAwait(false);
        var fsKey = keys.FsById(fsId);
        var fs = await etcd.GetAsync(fsKey, cancellationToken).ConfigureAwait(false);
        if (fs is null) return null;
        var counter = await etcd.GetAsync(keys.SessionIdCounter, cancellationToken).ConfigureAwait(false);
        for (var attempt = 1; ; attempt++)
        {
            var id = MdsKeys.ParseCounter(counter, absent: 1);
            var now = NowNs();
            var record = new SessionRecord
            {
                SessionId = id,
                FsId = fsId,
                Host = host,
                MountPoint = mountPoint,
                Pid = pid,
                LeaseSeconds = (int)timings.SessionLease.TotalSeconds,
                OpenedUnixMs = now / 1_000_000,
                LastHeartbeatUnixNs = now,
            };
            var result = await etcd.TxnAsync($"open session of fs {fsId}",
                [EtcdCompare.ModRevision(keys.SessionIdCounter, counter?.ModRevision ?? 0), EtcdCompare.ModRevision(fsKey, fs.ModRevision)],
                [EtcdOp.Put(keys.SessionIdCounter, MdsKeys.FormatCounter(id + 1)), EtcdOp.Put(keys.Session(id), MdsJson.Encode(record))],
                [EtcdOp.Get(keys.SessionIdCounter), EtcdOp.Get(fsKey)],
                cancellationToken).ConfigureAwait(false);
            if (result.Succeeded)
            {
                _heardNs[id] = now;
                logger.LogInformation("session {Session} opened: fs {FsId} mounted at {Host}:{MountPoint} (pid {Pid}), lease {Lease} s",
                    id, fsId, host, mountPoint, pid, record.LeaseSeconds);
                return record;
            }
            if (result.Reads[1] is null) return null; // deleted meanwhile
            counter = result.Reads[0];
            fs = result.Reads[1]!;
            if (attempt >= MaxAttempts)
                throw new EtcdException($"opening a session in etcd at {etcd.EndpointList}: {keys.SessionIdCounter} changed under {MaxAttempts} transactions in a row", unreachable: false);
        }
    }

    /// <summary>Keeps the session alive; null when it does not exist or is expiring (the client must open a new one).</summary>
    public async Task<SessionRecord?> HeartbeatAsync(ulong sessionId, CancellationToken cancellationToken)
    {
        var key = keys.Session(sessionId);
        for (var attempt = 0; attempt < MaxAttempts; attempt++)
        {
            var kv = await etcd.GetAsync(key, cancellationToken).ConfigureAwait(false);
            if (kv is null) return null;
            var stored = MdsJson.Decode<SessionRecord>(kv, "session record");
            if (stored.Expiring) return null;
            var now = NowNs();
            _heardNs[sessionId] = now;
            if (now - stored.LastHeartbeatUnixNs < timings.SessionPersistEvery.Ticks * 100) return stored;
            var updated = stored with { LastHeartbeatUnixNs = now };
            var result = await etcd.TxnAsync($"heartbeat of session {sessionId}",
                [EtcdCompare.ModRevision(key, kv.ModRevision)], [EtcdOp.Put(key, MdsJson.Encode(updated))], [], cancellationToken).ConfigureAwait(false);
            if (result.Succeeded) return updated;
            // Changed meanwhile (expiry marked it, or another heartbeat): look again.
        }
        throw new EtcdException($"session {sessionId}: its record in etcd at {etcd.EndpointList} changed under {MaxAttempts} heartbeats in a row", unreachable: false);
    }

    /// <summary>Closes the session (unmount): it is marked expiring and finished like an expired one. False when it does not exist.</summary>
    public async Task<bool> CloseAsync(ulong sessionId, CancellationToken cancellationToken)
    {
        var key = keys.Session(sessionId);
        for (var attempt = 0; attempt < MaxAttempts; attempt++)
        {
            var kv = await etcd.GetAsync(key, cancellationToken).ConfigureAwait(false);
            if (kv is null) return false;
            var stored = MdsJson.Decode<SessionRecord>(kv, "session record");
            if (stored.Expiring) return true;
            if (await MarkExpiringAsync(new(stored, kv.ModRevision), cancellationToken).ConfigureAwait(false))
            {
                logger.LogInformation("session {Session} closed: fs {FsId} at {Host}:{MountPoint}", sessionId, stored.FsId, stored.Host, stored.MountPoint);
                return true;
            }
        }
        throw new EtcdException($"session {sessionId}: its record in etcd at {etcd.EndpointList} changed under {MaxAttempts} attempts to close it", unreachable: false);
    }

    /// <summary>The open (not expiring) sessions of <paramref name="fsId"/> (0: of every filesystem), by ID.</summary>
    public async Task<IReadOnlyList<SessionRecord>> ListAsync(uint fsId, CancellationToken cancellationToken)
    {
        var all = await ReadAllAsync(cancellationToken).ConfigureAwait(false);
        return all.Select(s => s.Value).Where(s => !s.Expiring && (fsId == 0 || s.FsId == fsId))
            .Select(s => s with { LastHeartbeatUnixNs = Math.Max(s.LastHeartbeatUnixNs, _heardNs.GetValueOrDefault(s.SessionId)) })
            .ToList();
    }

    public static SessionInfo ToInfo(SessionRecord s) => new(s.SessionId, s.FsId, s.Host, s.MountPoint, s.Pid, s.LastHeartbeatUnixNs);

    /// <summary>Marks the sessions silent for their lease expiring, then finishes every expiring session: each copyset
    /// holding partitions of its filesystem forgets the client (ExpireClientCommand), then the record goes.
    /// Returns how many sessions were removed.</summary>
    public async Task<int> ExpireDueAsync(CancellationToken cancellationToken)
    {
        var now = NowNs();
        var termStarted = Volatile.Read(ref _termStartedNs);
        var removed = 0;
        var unreachable = new HashSet<uint>(); // copysets that did not answer in this round: skip them for the others
        foreach (var entry in await ReadAllAsync(cancellationToken).ConfigureAwait(false))
        {
            var session = entry.Value;
            var current = entry;
            if (!session.Expiring)
            {
                var lastSeen = Math.Max(Math.Max(session.LastHeartbeatUnixNs, _heardNs.GetValueOrDefault(session.SessionId)), termStarted);
                var lease = TimeSpan.FromSeconds(session.LeaseSeconds > 0 ? session.LeaseSeconds : timings.SessionLease.TotalSeconds);
                if (now - lastSeen <= lease.Ticks * 100) continue;
                if (!await MarkExpiringAsync(entry, cancellationToken).ConfigureAwait(false)) continue; // a heartbeat won
                logger.LogWarning("session {Session} (fs {FsId} at {Host}:{MountPoint}, pid {Pid}) expired: not heard from for {Seconds:0.#} s",
                    session.SessionId, session.FsId, session.Host, session.MountPoint, session.Pid, (now - lastSeen) / 1e9);
                current = await ReadAsync(session.SessionId, cancellationToken).ConfigureAwait(false) ?? current;
            }
            if (await ForgetClientAsync(current.Value, unreachable, cancellationToken).ConfigureAwait(false))
            {
                var key = keys.Session(session.SessionId);
                var result = await etcd.TxnAsync($"delete session {session.SessionId}",
                    [EtcdCompare.ModRevision(key, current.ModRevision)], [EtcdOp.Delete(key)], [], cancellationToken).ConfigureAwait(false);
                if (result.Succeeded)
                {
                    _heardNs.TryRemove(session.SessionId, out _);
                    removed++;
                    logger.LogInformation("session {Session} removed; the copysets of fs {FsId} forgot client {Session}", session.SessionId, session.FsId, session.SessionId);
                }
            }
        }
        return removed;
    }

    /// <summary>Tells every copyset holding partitions of the session's filesystem to forget the client. False when one did not answer.</summary>
    private async Task<bool> ForgetClientAsync(SessionRecord session, HashSet<uint> unreachable, CancellationToken cancellationToken)
    {
        var copysetIds = (await partitions.ListAsync(session.FsId, cancellationToken).ConfigureAwait(false))
            .Select(p => p.Value.CopysetId).Distinct().Order().ToList();
        var done = true;
        foreach (var copysetId in copysetIds)
        {
            if (unreachable.Contains(copysetId))
            {
                done = false;
                continue;
            }
            var copyset = await registry.CopysetAsync(copysetId, cancellationToken).ConfigureAwait(false);
            if (copyset is null)
            {
                logger.LogWarning("session {Session}: copyset {Copyset} of fs {FsId} is not registered; it cannot be told to forget the client", session.SessionId, copysetId, session.FsId);
                continue;
            }
            try
            {
                await copysets.ExecuteCheckedAsync(copyset, new ExpireClientCommand { FsId = session.FsId, NowNs = NowNs(), ClientId = session.SessionId },
                    timings.CopysetTimeout, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is CopysetUnreachableException or InvalidOperationException)
            {
                unreachable.Add(copysetId);
                done = false;
                logger.LogWarning("session {Session}: copyset {Copyset} did not forget client {Session} yet ({Message}); trying again later", session.SessionId, copysetId, session.SessionId, e.Message);
            }
        }
        return done;
    }

    private async Task<bool> MarkExpiringAsync(Versioned<SessionRecord> entry, CancellationToken cancellationToken)
    {
        var key = keys.Session(entry.Value.SessionId);
        var result = await etcd.TxnAsync($"expire session {entry.Value.SessionId}",
            [EtcdCompare.ModRevision(key, entry.ModRevision)], [EtcdOp.Put(key, MdsJson.Encode(entry.Value with { Expiring = true }))], [], cancellationToken).ConfigureAwait(false);
        return result.Succeeded;
    }

    private async Task<Versioned<SessionRecord>?> ReadAsync(ulong sessionId, CancellationToken cancellationToken)
    {
        var kv = await etcd.GetAsync(keys.Session(sessionId), cancellationToken).ConfigureAwait(false);
        return kv is null ? null : new Versioned<SessionRecord>(MdsJson.Decode<SessionRecord>(kv, "session record"), kv.ModRevision);
    }

    private async Task<List<Versioned<SessionRecord>>> ReadAllAsync(CancellationToken cancellationToken)
    {
        var kvs = await etcd.GetPrefixAsync(keys.SessionPrefix, cancellationToken).ConfigureAwait(false);
        return kvs.Select(kv => new Versioned<SessionRecord>(MdsJson.Decode<SessionRecord>(kv, "session record"), kv.ModRevision)).ToList();
    }

    private static long NowNs() => (DateTimeOffset.UtcNow.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) * 100;
}
