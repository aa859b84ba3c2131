using CurveFs.Common.Fs;
using CurveFs.Common.Meta;
using CurveFs.Common.Rpc;
using Microsoft.Extensions.Logging;

namespace CurveFs.Mount.Meta;

/// <summary>
/// The metadata client of a cluster: every request goes over gRPC to the leader of the copyset that
/// owns the partition (<see cref="PartitionRouter"/>), retried through leader changes and unreachable
/// metaservers until <see cref="ClusterMetaClientOptions.RetryBudget"/> is spent, then answered with EIO
/// (the reason is logged). Commands are numbered (<see cref="CommandEnvelope"/>): a retry carries the same
/// number, so a create, rename or unlink whose reply was lost is not applied twice and returns the first
/// answer. Like <see cref="EmbeddedMetaClient"/>, it adds a partition when the filesystem runs out of
/// inode IDs and retries. Thread-safe; one instance per mount.
/// </summary>
public sealed class ClusterMetaClient : IMetaClient
{
    /// <summary>How often one command may be retried after getting a new partition (another client may take its IDs first).</summary>
    private const int PartitionRetries = 3;

    private readonly ClusterMetaClientOptions _options;
    private readonly ILogger _logger;
    private readonly MetaRpcClient _rpc;
    private readonly CopysetInvoker _invoker;
    private readonly PartitionRouter _router;
    private readonly RequestNumbering _numbering = new();
    private readonly SemaphoreSlim _partitionLock = new(1, 1);

    /// <summary>A client for a filesystem whose settings are known (from the MDS, or just created).</summary>
    /// <exception cref="ArgumentException">the options cannot work (no endpoints, a malformed one ...).</exception>
    public ClusterMetaClient(ClusterMetaClientOptions options, FsInfo fs, ILogger logger)
        : this(options, fs, logger, null)
    {
    }

    private ClusterMetaClient(ClusterMetaClientOptions options, FsInfo fs, ILogger logger, (MetaRpcClient, CopysetInvoker)? connection)
    {
        options.Validate();
        _options = options;
        _logger = logger;
        Fs = fs;
        _router = new PartitionRouter(options.CopysetId);
        _rpc = connection?.Item1 ?? new MetaRpcClient(options.CallTimeout);
        _invoker = connection?.Item2 ?? new CopysetInvoker(options, _rpc, logger);
    }

    public FsInfo Fs { get; }

    /// <summary>The random ID that numbers this client's commands.</summary>
    public ulong ClientId => _numbering.ClientId;

    /// <summary>
    /// Finds the filesystem called <paramref name="fsName"/> and returns a client for it.
    /// </summary>
    /// <exception cref="MetaClusterException">no metaserver answered within the retry budget (Errno EIO), or
    /// no filesystem has that name (ENOENT); the message names the endpoints and what to do.</exception>
    public static async Task<ClusterMetaClient> ConnectAsync(ClusterMetaClientOptions options, string fsName, ILogger logger, CancellationToken cancellationToken = default)
    {
        options.Validate();
        var rpc = new MetaRpcClient(options.CallTimeout);
        var invoker = new CopysetInvoker(options, rpc, logger);
        try
        {
            var copyset = new PartitionRouter(options.CopysetId).MetaCopyset;
            var request = new QueryRequest { CopysetId = copyset, Query = new FsByNameQuery { Name = fsName } };
            var outcome = await invoker.CallAsync(MetaRpc.Query, copyset, request, () => $"looking up filesystem '{fsName}'", cancellationToken).ConfigureAwait(false);
            if (outcome.Reply?.Result is not { } result)
                throw new MetaClusterException(Errno.EIO,
                    $"cannot reach the metadata cluster to look up filesystem '{fsName}': {outcome.Failure}. " +
                    "Check that the metaservers are running and that these are their RPC addresses; their logs say more.");
            if (result.Error == Errno.ENOENT || result.Ok && result.Fs is null)
                throw new MetaClusterException(Errno.ENOENT,
                    $"filesystem '{fsName}' does not exist in copyset {copyset} of the metadata cluster ({invoker.EndpointList}). " +
                    "Create it first (curvefs create-fs), or check the name and the copyset.");
            if (!result.Ok)
                throw new MetaClusterException(Errno.EIO, $"looking up filesystem '{fsName}' on {invoker.EndpointList} failed with {result.Error}");
            logger.LogInformation("filesystem '{Name}' is fs {FsId} in copyset {Copyset} (leader {Leader})", fsName, result.Fs!.FsId, copyset, invoker.LeaderOf(copyset));
            return new ClusterMetaClient(options, result.Fs!, logger, (rpc, invoker));
        }
        catch
        {
            rpc.Dispose();
            throw;
        }
    }

    /// <summary>Creates the filesystem record, the root directory and the first partition, unless they exist
    /// (what create-fs does while no MDS keeps filesystems). EEXIST: another filesystem has this name.</summary>
    public async ValueTask<Errno> InitializeAsync(uint rootUid, uint rootGid, uint rootMode, CancellationToken cancellationToken = default)
    {
        var result = await ExecuteAsync(new InitFsCommand
        {
            NowNs = Clock.NowNs(),
            RootUid = rootUid,
            RootGid = rootGid,
            RootMode = rootMode,
            Partition = NewPartition(1, 1),
            Fs = Fs,
        }, cancellationToken).ConfigureAwait(false);
        return result.Error;
    }

    /// <summary>The endpoint this client believes leads the copyset, if any.</summary>
    internal string? LeaderOf(uint copysetId) => _invoker.LeaderOf(copysetId);

    internal int CommandsInFlight => _numbering.InFlight;

    public async ValueTask<MetaResult> ExecuteAsync(MetaCommand command, CancellationToken cancellationToken = default)
    {
        command.FsId = Fs.FsId;
        var copyset = _router.CopysetFor(command);
        for (var attempt = 0; ; attempt++)
        {
            var result = await ExecuteNumberedAsync(copyset, command, cancellationToken).ConfigureAwait(false);
            // The failed attempt's answer is stored under its number: the retry is a new request.
            if (!result.NeedsPartition || attempt == PartitionRetries || !await AddPartitionAsync(cancellationToken).ConfigureAwait(false))
                return result;
        }
    }

    private async ValueTask<MetaResult> ExecuteNumberedAsync(uint copyset, MetaCommand command, CancellationToken cancellationToken)
    {
        var (seq, ackedBelow) = _numbering.Begin();
        try
        {
            var request = new ExecuteRequest
            {
                CopysetId = copyset,
                Envelope = new CommandEnvelope { ClientId = _numbering.ClientId, Seq = seq, AckedBelow = ackedBelow, Command = command },
            };
            var outcome = await _invoker.CallAsync(MetaRpc.Execute, copyset, request, () => $"{command.GetType().Name} seq {seq}", cancellationToken).ConfigureAwait(false);
            if (outcome.Reply is null) return MetaResult.Fail(Errno.EIO);
            if (outcome.Reply.Result is { } result) return result;
            _logger.LogError("copyset {Copyset}: {Command} seq {Seq}: the reply carries no result", copyset, command.GetType().Name, seq);
            return MetaResult.Fail(Errno.EIO);
        }
        finally
        {
            _numbering.End(seq);
        }
    }

    private PartitionRecord NewPartition(uint id, ulong start) => new()
    {
        FsId = Fs.FsId,
        PartitionId = id,
        Start = start,
        End = start + _options.PartitionSize - 1,
        NextIno = start,
        ChunkSize = Fs.ChunkSize,
        BlockSize = Fs.BlockSize,
    };

    /// <summary>Adds a partition after the last one (the MDS's job once it manages partitions); false when
    /// that failed (logged). Two clients adding at once pick the same ID and range: the second is a no-op.</summary>
    private async ValueTask<bool> AddPartitionAsync(CancellationToken cancellationToken)
    {
        await _partitionLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var copyset = _router.MetaCopyset;
            var query = await QueryAsync(copyset, new PartitionsQuery(), cancellationToken).ConfigureAwait(false);
            if (!query.Ok || query.Partitions is not { Count: > 0 } partitions)
            {
                _logger.LogError("fs {FsId}: cannot add a partition: listing partitions gave {Error}", Fs.FsId, query.Ok ? "none" : query.Error);
                return false;
            }
            if (partitions.Any(p => p.Status == PartitionStatus.ReadWrite && p.NextIno <= p.End)) return true; // another caller added one
            var partition = NewPartition(partitions.Max(p => p.PartitionId) + 1, partitions.Max(p => p.End) + 1);
            var result = await ExecuteNumberedAsync(copyset, new CreatePartitionCommand { FsId = Fs.FsId, NowNs = Clock.NowNs(), Partition = partition }, cancellationToken).ConfigureAwait(false);
            if (!result.Ok)
            {
                _logger.LogError("fs {FsId}: adding partition {Partition} [{Start}, {End}] failed: {Error}", Fs.FsId, partition.PartitionId, partition.Start, partition.End, result.Error);
                return false;
            }
            _logger.LogInformation("fs {FsId}: added partition {Partition} with inode IDs [{Start}, {End}] in copyset {Copyset}", Fs.FsId, partition.PartitionId, partition.Start, partition.End, copyset);
            return true;
        }
        finally
        {
            _partitionLock.Release();
        }
    }

    private async ValueTask<QueryResult> QueryAsync(uint copyset, MetaQuery query, CancellationToken cancellationToken)
    {
        query.FsId = Fs.FsId;
        var request = new QueryRequest { CopysetId = copyset, Query = query };
        var outcome = await _invoker.CallAsync(MetaRpc.Query, copyset, request, () => query.GetType().Name, cancellationToken).ConfigureAwait(false);
        if (outcome.Reply is null) return QueryResult.Fail(Errno.EIO);
        if (outcome.Reply.Result is { } result) return result;
        _logger.LogError("copyset {Copyset}: {Query}: the reply carries no result", copyset, query.GetType().Name);
        return QueryResult.Fail(Errno.EIO);
    }

    private ValueTask<QueryResult> QueryAsync(MetaQuery query, CancellationToken cancellationToken) =>
        QueryAsync(_router.CopysetFor(query), query, cancellationToken);

    public async ValueTask<Result<InodeRecord>> LookupAsync(Caller caller, ulong parent, ReadOnlyMemory<byte> name, CancellationToken cancellationToken = default)
    {
        var result = await QueryAsync(new LookupQuery { Parent = parent, Name = name.ToArray(), Caller = caller }, cancellationToken).ConfigureAwait(false);
        return InodeOf(result);
    }

    public async ValueTask<Result<InodeRecord>> GetAttrAsync(ulong ino, CancellationToken cancellationToken = default)
    {
        var result = await QueryAsync(new GetAttrQuery { Ino = ino }, cancellationToken).ConfigureAwait(false);
        return InodeOf(result);
    }

    private static Result<InodeRecord> InodeOf(QueryResult result) =>
        !result.Ok ? result.Error : result.Inode is { } inode ? inode : Errno.EIO;

    public async ValueTask<Result<List<DirEntryRecord>>> ReadDirAsync(ulong dir, byte[]? startAfter, int limit, bool withAttrs, CancellationToken cancellationToken = default)
    {
        // The server answers at most ServerPage entries per call; larger requests take several pages.
        const int ServerPage = 10_000;
        List<DirEntryRecord>? all = null;
        while (true)
        {
            var want = Math.Min(limit - (all?.Count ?? 0), ServerPage);
            if (want <= 0) return all ?? [];
            var result = await QueryAsync(new ReadDirQuery { Dir = dir, StartAfter = startAfter, Limit = want, WithAttrs = withAttrs }, cancellationToken).ConfigureAwait(false);
            if (!result.Ok) return result.Error;
            var page = result.Entries ?? [];
            if (all is null) all = page;
            else all.AddRange(page);
            if (page.Count < want) return all;
            startAfter = page[^1].Name;
        }
    }

    public async ValueTask<Result<byte[]>> GetXattrAsync(Caller caller, ulong ino, string name, CancellationToken cancellationToken = default)
    {
        var result = await QueryAsync(new GetXattrQuery { Ino = ino, Name = name, Caller = caller }, cancellationToken).ConfigureAwait(false);
        return !result.Ok ? result.Error : result.Value ?? [];
    }

    public async ValueTask<Result<List<string>>> ListXattrAsync(Caller caller, ulong ino, CancellationToken cancellationToken = default)
    {
        var result = await QueryAsync(new ListXattrQuery { Ino = ino, Caller = caller }, cancellationToken).ConfigureAwait(false);
        return !result.Ok ? result.Error : result.Names ?? [];
    }

    public async ValueTask<Result<List<SequencedSlice>>> GetSlicesAsync(ulong ino, ulong chunkIndex, CancellationToken cancellationToken = default)
    {
        var result = await QueryAsync(new GetSlicesQuery { Ino = ino, ChunkIndex = chunkIndex }, cancellationToken).ConfigureAwait(false);
        return !result.Ok ? result.Error : result.Slices ?? [];
    }

    /// <exception cref="MetaClusterException">no metaserver answered.</exception>
    public async ValueTask<FsStats> StatFsAsync(CancellationToken cancellationToken = default)
    {
        long inodes = 0, used = 0;
        foreach (var copyset in _router.Copysets)
        {
            var result = Require(await QueryAsync(copyset, new UsageQuery(), cancellationToken).ConfigureAwait(false), "statfs");
            inodes += result.Inodes;
            used += result.UsedBytes;
        }
        return new FsStats(inodes, used);
    }

    /// <summary>Ok: a command is durable once it is answered (Raft commits on a majority before it applies).</summary>
    public ValueTask<Errno> SyncAsync(CancellationToken cancellationToken = default) => ValueTask.FromResult(Errno.Ok);

    /// <exception cref="MetaClusterException">no metaserver answered.</exception>
    public async ValueTask<List<ulong>> ListOrphansAsync(CancellationToken cancellationToken = default)
    {
        var all = new List<ulong>();
        foreach (var copyset in _router.Copysets)
            all.AddRange(Require(await QueryAsync(copyset, new OrphansQuery { Limit = int.MaxValue }, cancellationToken).ConfigureAwait(false), "listing orphans").Inos ?? []);
        return all;
    }

    /// <exception cref="MetaClusterException">no metaserver answered.</exception>
    public async ValueTask<List<(byte[] Key, TrashRecord Record)>> ListTrashAsync(int limit, CancellationToken cancellationToken = default)
    {
        var all = new List<(byte[], TrashRecord)>();
        foreach (var copyset in _router.Copysets)
        {
            if (all.Count >= limit) break;
            var result = Require(await QueryAsync(copyset, new TrashQuery { Limit = limit - all.Count }, cancellationToken).ConfigureAwait(false), "listing the trash");
            foreach (var entry in result.Trash ?? []) all.Add((entry.Key, entry.Record));
        }
        return all;
    }

    private QueryResult Require(QueryResult result, string what) =>
        result.Ok ? result : throw new MetaClusterException(result.Error,
            $"fs {Fs.FsId}: {what} failed with {result.Error} (metaservers {_invoker.EndpointList}; the log says why)");

    public ValueTask DisposeAsync()
    {
        _rpc.Dispose();
        _partitionLock.Dispose();
        return ValueTask.CompletedTask;
    }
}
