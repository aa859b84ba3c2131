using System.Net;
using CurveFs.Common.Meta;
using CurveFs.Common.Snapshot;
using CurveFs.MetaServer.Hosting;
using CurveFs.MetaServer.Partition;
using CurveFs.MetaServer.Storage;
using DotNext.Net.Cluster.Consensus.Raft;
using DotNext.Net.Cluster.Consensus.Raft.Membership;
using DotNext.Net.Cluster.Consensus.Raft.StateMachine;
using Microsoft.Extensions.Logging;

namespace CurveFs.MetaServer.Raft;

/// <summary>
/// One replica of a Raft-replicated copyset: DotNext's <see cref="RaftCluster"/> (built-in TCP transport)
/// over a <see cref="WriteAheadLog"/> whose state machine is the copyset state. The replicated sibling of
/// <see cref="LocalCopyset"/>; docs/raft.md describes the files, timeouts and failure handling.
/// <code>
/// DataDirectory/snapshots/{index}-{term}   CURVEFS snapshot of the whole KV state (DotNext SimpleStateMachine)
/// DataDirectory/wal/                       DotNext WriteAheadLog (state = term and vote, checkpoint, metadata/, data/)
/// </code>
/// A replica whose snapshot is damaged, whose log failed, or whose state machine threw never serves: it
/// stops (or never starts) its Raft node, so it neither votes nor accepts entries, reports
/// <see cref="CopysetRole.Unavailable"/> with the reason and the operator's next step, and every call throws
/// <see cref="CopysetUnavailableException"/>.
/// </summary>
public sealed partial class RaftCopyset : ICopyset, IAsyncDisposable
{
    private const string SnapshotsDirectoryName = "snapshots";
    private const string WalDirectoryName = "wal";

    private readonly RaftCopysetOptions _options;
    private readonly ILoggerFactory _loggerFactory;
    private readonly ILogger _logger;
    private readonly CopysetState _state = new();
    private readonly Dictionary<EndPoint, string> _rpcByRaftEndpoint = new();
    private readonly object _gate = new();
    private readonly CancellationTokenSource _lifetime = new();
    private CopysetStateMachine? _machine;
    private WriteAheadLog? _wal;
    private RaftCluster? _cluster;
    private Task? _monitor;
    private Task? _clusterStop;
    private volatile string? _problem;
    private volatile bool _stopped;

    private RaftCopyset(RaftCopysetOptions options, ILoggerFactory loggerFactory)
    {
        _options = options;
        _loggerFactory = loggerFactory;
        _logger = loggerFactory.CreateLogger($"CurveFs.MetaServer.Raft.Copyset{options.CopysetId}");
    }

    public uint CopysetId => _options.CopysetId;

    /// <summary>This replica's node ID.</summary>
    public string NodeId => _options.NodeId;

    /// <summary>The replica directory that holds snapshots/ and wal/.</summary>
    public string DataDirectory => _options.DataDirectory;

    /// <summary>
    /// Loads the replica from its directory (creating it when empty) and joins the copyset's Raft group.
    /// Never throws for damaged data: such a replica comes back <see cref="CopysetRole.Unavailable"/> with the
    /// reason in <see cref="CopysetStatus.Problem"/>. Throws for bad options or a Raft port already in use.
    /// </summary>
    public static async Task<RaftCopyset> StartAsync(RaftCopysetOptions options, ILoggerFactory loggerFactory, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(loggerFactory);
        options.Validate();
        var copyset = new RaftCopyset(options, loggerFactory);
        try
        {
            await copyset.StartCoreAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await copyset.StopAsync().ConfigureAwait(false);
            throw;
        }
        return copyset;
    }

    private async Task StartCoreAsync(CancellationToken cancellationToken)
    {
        var self = _options.Self;
        var localEndpoint = RaftCopysetOptions.ParseEndpoint(self.RaftEndpoint);
        var members = new List<IPEndPoint>();
        foreach (var peer in _options.Peers)
        {
            var endpoint = RaftCopysetOptions.ParseEndpoint(peer.RaftEndpoint);
            members.Add(endpoint);
            _rpcByRaftEndpoint[endpoint] = peer.RpcEndpoint;
        }

        var root = Directory.CreateDirectory(_options.DataDirectory);
        var snapshots = root.CreateSubdirectory(SnapshotsDirectoryName);
        var walDirectory = Path.Combine(root.FullName, WalDirectoryName);

        // 1. The state machine first: DotNext computes where log replay starts from the restored snapshot.
        _machine = new CopysetStateMachine(snapshots, _state, _options.SnapshotThreshold, _logger, (what, e) => Fail(what, e));
        try
        {
            await _machine.RestoreAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (SnapshotCorruptException e)
        {
            Fail($"damaged snapshot: {e.Message}", e, DamagedDataStep);
            return;
        }
        catch (Exception e) when (e is ArgumentException or FormatException or OverflowException)
        {
            // DotNext parses every "*-*" file name in snapshots/ as {index}-{term}.
            Fail($"unexpected file in {snapshots.FullName} (only DotNext's {{index}}-{{term}} snapshot files may live there): {e.Message}", e,
                "move the files that are not snapshots out of that directory and restart the metaserver");
            return;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Fail($"cannot read the snapshot {_machine.RestoringFile}: {e.Message}", e, "fix the file's permissions or the disk, then restart the metaserver");
            return;
        }

        _machine.Serving = true;

        // 2. The log. FlushInterval zero + FlushOnCommit: every entry is on disk before it counts as
        //    committed on this node, and the commit index is checkpointed right after.
        try
        {
            _wal = new WriteAheadLog(new WriteAheadLog.Options
            {
                Location = walDirectory,
                FlushInterval = TimeSpan.Zero,
                FlushOnCommit = true,
            }, _machine);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            Fail($"cannot open the write-ahead log {walDirectory}: {e.GetType().Name}: {e.Message}", e, DamagedDataStep);
            return;
        }

        // 3. The Raft node, with the copyset's members as a fixed configuration.
        var configuration = new RaftCluster.TcpConfiguration(localEndpoint)
        {
            LowerElectionTimeout = (int)_options.ElectionTimeoutLower.TotalMilliseconds,
            UpperElectionTimeout = (int)_options.ElectionTimeoutUpper.TotalMilliseconds,
            RequestTimeout = _options.EffectivePeerRequestTimeout,
            ConnectTimeout = _options.ElectionTimeoutLower,
            ColdStart = false,
            ConfigurationStorage = null, // DotNext's in-memory storage, filled with the fixed member list below
            LoggerFactory = _loggerFactory,
        };
        var builder = ((InMemoryClusterConfigurationStorage<EndPoint>)configuration.ConfigurationStorage!).CreateInitialConfigurationBuilder();
        foreach (var member in members) builder.Add(member);
        builder.Build();
        _cluster = new RaftCluster(configuration) { AuditTrail = _wal };
        _cluster.LeaderChanged += OnLeaderChanged;
        try
        {
            // Replays the committed log tail into the state machine, then listens.
            await _cluster.StartAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (IsLogFailure(e))
        {
            Fail($"replaying the write-ahead log {walDirectory} failed: {e.GetType().Name}: {e.Message}", e, DamagedDataStep);
            return;
        }
        _monitor = MonitorAsync(_lifetime.Token);
        _logger.LogInformation("copyset {Copyset} node {Node} started on {Endpoint}: applied index {Applied}, {Members} members",
            CopysetId, NodeId, localEndpoint, _machine.AppliedIndex, members.Count);
    }

    private string DamagedDataStep =>
        $"this replica refuses to serve. Keep the other replicas running with a leader, stop this metaserver, move the replica directory " +
        $"{Path.GetFullPath(_options.DataDirectory)} aside (mv DIR DIR.damaged), recreate DIR/{WalDirectoryName} and copy DIR.damaged/{WalDirectoryName}/state " +
        $"into it (keeps this node's Raft term and vote), then start the metaserver: the replica fetches a snapshot and the log from the leader";

    public CopysetStatus Status
    {
        get
        {
            var cluster = _cluster;
            var problem = _problem ?? (_stopped ? $"copyset {CopysetId} on node {NodeId} is stopped" : null);
            var commit = _wal?.LastCommittedEntryIndex ?? 0;
            var applied = _machine?.AppliedIndex ?? 0;
            if (problem is not null || cluster is null)
                return new CopysetStatus(CopysetId, CopysetRole.Unavailable, null, SafeTerm(cluster), commit, applied, problem ?? "starting");
            var leader = cluster.Leader;
            var role = leader is null ? CopysetRole.Candidate : leader.IsRemote ? CopysetRole.Follower : CopysetRole.Leader;
            return new CopysetStatus(CopysetId, role, RpcEndpointOf(leader?.EndPoint), SafeTerm(cluster), commit, applied);
        }
    }

    private static long SafeTerm(RaftCluster? cluster)
    {
        try
        {
            return cluster?.Term ?? 0;
        }
        catch (ObjectDisposedException)
        {
            return 0;
        }
    }

    private string? RpcEndpointOf(EndPoint? raftEndpoint) =>
        raftEndpoint is not null && _rpcByRaftEndpoint.TryGetValue(raftEndpoint, out var rpc) ? rpc : null;

    private void OnLeaderChanged(DotNext.Net.Cluster.ICluster cluster, DotNext.Net.Cluster.IClusterMember? leader)
    {
        if (leader is null)
            _logger.LogInformation("copyset {Copyset} node {Node}: no leader (election under way)", CopysetId, NodeId);
        else
            _logger.LogInformation("copyset {Copyset} node {Node}: leader is {Leader} ({Rpc}), term {Term}",
                CopysetId, NodeId, leader.EndPoint, RpcEndpointOf(leader.EndPoint), SafeTerm(_cluster));
    }

    /// <summary>Stops the Raft node and closes the log. Idempotent.</summary>
    public async Task StopAsync()
    {
        lock (_gate)
        {
            if (_stopped) return;
            _stopped = true;
        }
        await _lifetime.CancelAsync().ConfigureAwait(false);
        if (_monitor is not null) await _monitor.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        await StopClusterOnceAsync().ConfigureAwait(false);
        if (_cluster is not null)
        {
            _cluster.LeaderChanged -= OnLeaderChanged;
            await _cluster.DisposeAsync().ConfigureAwait(false);
        }
        if (_wal is not null) await _wal.DisposeAsync().ConfigureAwait(false);
        if (_machine is not null) await _machine.DisposeAsync().ConfigureAwait(false);
        // _lifetime stays undisposed: a request racing with the stop may still link to its (canceled) token.
        _logger.LogInformation("copyset {Copyset} node {Node} stopped", CopysetId, NodeId);
    }

    public ValueTask DisposeAsync() => new(StopAsync());

    private Task StopClusterOnceAsync()
    {
        lock (_gate)
        {
            return _clusterStop ??= _cluster is null ? Task.CompletedTask : StopClusterAsync(_cluster);
        }

        async Task StopClusterAsync(RaftCluster cluster)
        {
            await Task.Yield(); // never inside the caller (it may be the WAL's applier)
            try
            {
                await cluster.StopAsync(CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception e)
            {
                _logger.LogWarning(e, "copyset {Copyset} node {Node}: stopping the Raft node: {Message}", CopysetId, NodeId, e.Message);
            }
        }
    }

    /// <summary>Reads this replica's state without a read barrier: it may be stale. For tests that compare replicas.</summary>
    public ValueTask<string> LocalDigestAsync(CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(ReadLocalStateWithoutBarrier(Partition.QueryExecutor.Digest));

    internal T ReadLocalStateWithoutBarrier<T>(Func<IKvReader, T> query)
    {
        var machine = _machine ?? throw new InvalidOperationException("not started");
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
}
