using System.Net;
using CurveFs.Common.Rpc;
using CurveFs.Mds.Etcd;
using CurveFs.Mds.FsManager;
using CurveFs.Mds.Hosting;
using Microsoft.Extensions.Logging;

namespace CurveFs.Mds.Topology;

/// <summary>
/// The metaservers and copysets of the cluster, as they register (and heartbeat: every registration is one)
/// with the leader. Records live in etcd (<see cref="MdsKeys.MetaServer"/>, <see cref="MdsKeys.Copyset"/>) and in
/// the leader's memory: a heartbeat that changes nothing costs no etcd operation, its time is kept in memory
/// and written at most every <see cref="MdsTimings.MetaServerPersistEvery"/>. A metaserver not heard from for
/// <see cref="MdsTimings.MetaServerOffline"/> is marked offline (written to etcd); its next registration brings
/// it back online. A new leader loads the records from etcd and counts its own election as the last
/// heartbeat of every metaserver, so none is marked offline for the failover.
/// Thread-safe; the leader calls <see cref="Reset"/> when its term starts or ends.
/// </summary>
public sealed class MetaServerRegistry(EtcdKv etcd, MdsKeys keys, MdsTimings timings, ILogger logger)
{
    private readonly Lock _lock = new();
    private readonly SemaphoreSlim _loading = new(1, 1);
    private Dictionary<string, ServerState>? _servers;
    private Dictionary<uint, CopysetRecord>? _copysets;
    private long _termStartedUnixMs;
    private int _term;

    private sealed class ServerState(MetaServerRecord stored, long lastHeardUnixMs)
    {
        public MetaServerRecord Stored { get; set; } = stored;
        public long LastHeardUnixMs { get; set; } = lastHeardUnixMs;
    }

    /// <summary>Forgets what is in memory (a term started or ended); the next use loads from etcd.</summary>
    public void Reset()
    {
        lock (_lock)
        {
            _servers = null;
            _copysets = null;
            _termStartedUnixMs = NowUnixMs();
            _term++;
        }
    }

    /// <summary>Records a metaserver's registration or heartbeat.</summary>
    /// <exception cref="ArgumentException">the request is invalid; the message says what.</exception>
    /// <exception cref="EtcdException">etcd did not answer.</exception>
    public async Task RegisterAsync(RegisterMetaServerRequest request, CancellationToken cancellationToken)
    {
        Validate(request);
        await EnsureLoadedAsync(cancellationToken).ConfigureAwait(false);
        var now = NowUnixMs();
        var copysetIds = request.Copysets.Select(c => c.CopysetId).Order().ToList();
        MetaServerRecord? previous;
        bool persist;
        lock (_lock)
        {
            var servers = _servers!;
            servers.TryGetValue(request.Name, out var state);
            previous = state?.Stored;
            if (state is null) servers[request.Name] = state = new ServerState(new MetaServerRecord { Name = request.Name }, now);
            state.LastHeardUnixMs = now;
            persist = previous is null || !previous.Online || previous.RpcEndpoint != request.RpcEndpoint
                      || !previous.Copysets.SequenceEqual(copysetIds)
                      || now - previous.LastHeartbeatUnixMs >= (long)timings.MetaServerPersistEvery.TotalMilliseconds;
        }
        if (persist)
        {
            var record = new MetaServerRecord
            {
                Name = request.Name,
                RpcEndpoint = request.RpcEndpoint,
                Copysets = copysetIds,
                Online = true,
                RegisteredUnixMs = previous is { RegisteredUnixMs: > 0 } ? previous.RegisteredUnixMs : now,
                LastHeartbeatUnixMs = now,
            };
            await etcd.PutAsync(keys.MetaServer(request.Name), MdsJson.Encode(record), cancellationToken: cancellationToken).ConfigureAwait(false);
            lock (_lock)
            {
                if (_servers?.TryGetValue(request.Name, out var state) == true) state.Stored = record;
            }
            if (previous is null)
                logger.LogInformation("metaserver {Name} at {Endpoint} registered with copysets {Copysets}", request.Name, request.RpcEndpoint, string.Join(",", copysetIds));
            else if (!previous.Online)
                logger.LogInformation("metaserver {Name} at {Endpoint} is online again", request.Name, request.RpcEndpoint);
            else if (previous.RpcEndpoint != request.RpcEndpoint || !previous.Copysets.SequenceEqual(copysetIds))
                logger.LogInformation("metaserver {Name} now reports endpoint {Endpoint} and copysets {Copysets} (was {OldEndpoint}, {OldCopysets})",
                    request.Name, request.RpcEndpoint, string.Join(",", copysetIds), previous.RpcEndpoint, string.Join(",", previous.Copysets));
        }
        foreach (var copyset in request.Copysets)
        {
            CopysetRecord? known;
            lock (_lock) known = _copysets!.GetValueOrDefault(copyset.CopysetId);
            if (known is not null && known.Endpoints.SequenceEqual(copyset.Endpoints)) continue;
            var record = new CopysetRecord { CopysetId = copyset.CopysetId, Endpoints = [.. copyset.Endpoints], ReportedBy = request.Name, UpdatedUnixMs = now };
            await etcd.PutAsync(keys.Copyset(copyset.CopysetId), MdsJson.Encode(record), cancellationToken: cancellationToken).ConfigureAwait(false);
            lock (_lock)
            {
                if (_copysets is not null) _copysets[copyset.CopysetId] = record;
            }
            if (known is null)
                logger.LogInformation("copyset {Copyset} registered by {Name}: members {Members}", copyset.CopysetId, request.Name, string.Join(", ", copyset.Endpoints));
            else
                logger.LogWarning("copyset {Copyset}: metaserver {Name} reports members {Members}, {Other} reported {OldMembers}: using the latest report; check the metaservers' configurations agree",
                    copyset.CopysetId, request.Name, string.Join(", ", copyset.Endpoints), known.ReportedBy, string.Join(", ", known.Endpoints));
        }
    }

    /// <summary>Marks metaservers not heard from for <see cref="MdsTimings.MetaServerOffline"/> offline; returns how many.</summary>
    public async Task<int> DetectOfflineAsync(CancellationToken cancellationToken)
    {
        await EnsureLoadedAsync(cancellationToken).ConfigureAwait(false);
        var now = NowUnixMs();
        var limit = (long)timings.MetaServerOffline.TotalMilliseconds;
        List<(MetaServerRecord Record, long LastHeard)> silent;
        lock (_lock)
            // A new leader counts from its election: it cannot know what it did not hear.
            silent = _servers!.Values.Where(s => s.Stored.Online && now - Math.Max(s.LastHeardUnixMs, _termStartedUnixMs) > limit)
                .Select(s => (s.Stored, s.LastHeardUnixMs)).ToList();
        foreach (var (stored, lastHeard) in silent)
        {
            var record = stored with { Online = false, LastHeartbeatUnixMs = Math.Max(lastHeard, stored.LastHeartbeatUnixMs) };
            await etcd.PutAsync(keys.MetaServer(record.Name), MdsJson.Encode(record), cancellationToken: cancellationToken).ConfigureAwait(false);
            lock (_lock)
            {
                // A registration that arrived meanwhile wins.
                if (_servers?.TryGetValue(record.Name, out var state) == true && state.LastHeardUnixMs == lastHeard) state.Stored = record;
            }
            logger.LogWarning("metaserver {Name} at {Endpoint} missed its heartbeats for {Seconds:0.#} s: offline (copysets {Copysets})",
                record.Name, record.RpcEndpoint, (now - record.LastHeartbeatUnixMs) / 1000.0, string.Join(",", record.Copysets));
        }
        return silent.Count;
    }

    /// <summary>Every registered metaserver, by name.</summary>
    public async Task<IReadOnlyList<MetaServerInfo>> ListAsync(CancellationToken cancellationToken)
    {
        await EnsureLoadedAsync(cancellationToken).ConfigureAwait(false);
        lock (_lock)
            return _servers!.Values.OrderBy(s => s.Stored.Name, StringComparer.Ordinal)
                .Select(s => new MetaServerInfo(s.Stored.Name, s.Stored.RpcEndpoint, [.. s.Stored.Copysets], s.Stored.Online, s.LastHeardUnixMs))
                .ToList();
    }

    /// <summary>Every registered copyset, by ID.</summary>
    public async Task<IReadOnlyList<CopysetRecord>> CopysetsAsync(CancellationToken cancellationToken)
    {
        await EnsureLoadedAsync(cancellationToken).ConfigureAwait(false);
        lock (_lock) return _copysets!.Values.OrderBy(c => c.CopysetId).ToList();
    }

    /// <summary>The copyset's record, or null when no metaserver reported it.</summary>
    public async Task<CopysetRecord?> CopysetAsync(uint copysetId, CancellationToken cancellationToken)
    {
        await EnsureLoadedAsync(cancellationToken).ConfigureAwait(false);
        lock (_lock) return _copysets!.GetValueOrDefault(copysetId);
    }

    /// <summary>
    /// The copysets new partitions may go to: a majority of their members are served by online metaservers.
    /// </summary>
    /// <exception cref="NoCopysetException">none: the message says why (nothing registered, or everything offline).</exception>
    public async Task<IReadOnlyList<CopysetRecord>> UsableCopysetsAsync(CancellationToken cancellationToken)
    {
        await EnsureLoadedAsync(cancellationToken).ConfigureAwait(false);
        lock (_lock)
        {
            var online = _servers!.Values.Where(s => s.Stored.Online).Select(s => s.Stored.RpcEndpoint).ToHashSet(StringComparer.Ordinal);
            var usable = _copysets!.Values.Where(c => c.Endpoints.Count(online.Contains) * 2 > c.Endpoints.Count).OrderBy(c => c.CopysetId).ToList();
            if (usable.Count > 0) return usable;
            if (_copysets.Count == 0)
                throw new NoCopysetException("no metaserver has registered with the MDS: start the metaservers with \"mdsEndpoints\" listing the MDS addresses in their configuration (docs/metaserver.md)");
            throw new NoCopysetException($"none of the {_copysets.Count} registered copysets has a majority of its metaservers online " +
                $"({_servers.Count(s => s.Value.Stored.Online)} of {_servers.Count} metaservers online): check the metaservers (curvefs status)");
        }
    }

    private async Task EnsureLoadedAsync(CancellationToken cancellationToken)
    {
        int term;
        lock (_lock)
        {
            if (_servers is not null) return;
            term = _term;
        }
        await _loading.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            lock (_lock)
            {
                if (_servers is not null) return;
            }
            var servers = await etcd.GetPrefixAsync(keys.MetaServerPrefix, cancellationToken).ConfigureAwait(false);
            var copysets = await etcd.GetPrefixAsync(keys.CopysetPrefix, cancellationToken).ConfigureAwait(false);
            lock (_lock)
            {
                if (_term != term || _servers is not null) return;
                _servers = servers.Select(kv => MdsJson.Decode<MetaServerRecord>(kv, "metaserver record"))
                    .ToDictionary(r => r.Name, r => new ServerState(r, r.LastHeartbeatUnixMs), StringComparer.Ordinal);
                _copysets = copysets.Select(kv => MdsJson.Decode<CopysetRecord>(kv, "copyset record")).ToDictionary(c => c.CopysetId);
            }
        }
        finally
        {
            _loading.Release();
        }
    }

    private static void Validate(RegisterMetaServerRequest request)
    {
        if (!FsStore.IsValidName(request.Name))
            throw new ArgumentException($"invalid metaserver name '{request.Name}': 1-128 characters of letters, digits, '.', '_' and '-'");
        CheckEndpoint(request.RpcEndpoint, $"metaserver {request.Name}'s RPC endpoint");
        if (request.Copysets is null || request.Copysets.Count == 0)
            throw new ArgumentException($"metaserver {request.Name} registered no copysets");
        foreach (var copyset in request.Copysets)
        {
            if (copyset.CopysetId == 0) throw new ArgumentException($"metaserver {request.Name} reports copyset 0: copyset IDs start at 1");
            if (copyset.Endpoints is null || copyset.Endpoints.Count == 0) throw new ArgumentException($"metaserver {request.Name} reports copyset {copyset.CopysetId} without members");
            foreach (var endpoint in copyset.Endpoints) CheckEndpoint(endpoint, $"copyset {copyset.CopysetId}'s member");
        }
        if (request.Copysets.Select(c => c.CopysetId).Distinct().Count() != request.Copysets.Count)
            throw new ArgumentException($"metaserver {request.Name} reports a copyset twice");
    }

    private static void CheckEndpoint(string? endpoint, string what)
    {
        try
        {
            GrpcClient.ToAddress(endpoint ?? "", "metaserver");
        }
        catch (ArgumentException)
        {
            throw new ArgumentException($"{what} '{endpoint}' is not HOST:PORT");
        }
        if (IPEndPoint.TryParse(endpoint!, out var ip) && (ip.Address.Equals(IPAddress.Any) || ip.Address.Equals(IPAddress.IPv6Any) || ip.Port == 0))
            throw new ArgumentException($"{what} '{endpoint}' is a wildcard address or port 0: clients are sent to it, so give the address they reach it at");
    }

    private static long NowUnixMs() => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
}

/// <summary>No copyset can take a new partition; the message says why and what to do.</summary>
public sealed class NoCopysetException(string message) : Exception(message);
