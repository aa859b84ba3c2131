using CurveFs.Common.Fs;
using CurveFs.Common.Meta;
using CurveFs.Common.Rpc;
using CurveFs.Mount.Meta.Topology;
using CurveFs.Mount.Meta.Transactions;
using Microsoft.Extensions.Logging;

namespace CurveFs.Mount.Meta;

/// <summary>
/// The metadata client of a cluster: every request goes over gRPC to the leader of the copyset that owns
/// the partition of its key inode (<see cref="PartitionRouter"/> over an <see cref="IClusterTopology"/>),
/// retried through leader changes and unreachable metaservers until <see cref="ClusterMetaClientOptions.RetryBudget"/>
/// is spent, then answered with EIO (the reason is logged). Commands are numbered (<see cref="CommandEnvelope"/>):
/// a retry carries the same number, so a create, rename or unlink whose reply was lost is not applied twice.
/// Operations whose halves live in different copysets (the copyset answers EXDEV, or the parents differ)
/// run as cross-copyset transactions (<see cref="CrossCopysetOperations"/>); a key locked by a transaction
/// is resolved and the request retried. Thread-safe; one instance per mount.
/// </summary>
public sealed partial class ClusterMetaClient : IMetaClient, ICopysetAccess, IInodeLocator
{
    /// <summary>How often one command may be retried after a new partition or a resolved lock.</summary>
    private const int CommandRetries = 8;

    private readonly ClusterMetaClientOptions _options;
    private readonly ILogger _logger;
    private readonly MetaRpcClient _rpc;
    private readonly CopysetInvoker _invoker;
    private readonly IClusterTopology _topology;
    private readonly PartitionRouter _router;
    private readonly RequestNumbering _numbering;
    private readonly SemaphoreSlim _partitionLock = new(1, 1);
    private readonly TxCoordinator _coordinator;
    private CrossCopysetOperations? _crossOperations;

    /// <summary>A client for a filesystem whose settings are known, with every partition in options.CopysetId (no MDS).</summary>
    /// <exception cref="ArgumentException">the options cannot work (no endpoints, a malformed one ...).</exception>
    public ClusterMetaClient(ClusterMetaClientOptions options, FsInfo fs, ILogger logger)
        : this(options, fs, new SingleCopysetTopology(options.CopysetId, options.Endpoints), logger, clientId: 0)
    {
    }

    /// <summary>A client routing by the given topology (the MDS's partition table). clientId numbers its
    /// requests and names its orphan holds (the MDS session ID; 0: a random one).</summary>
    public ClusterMetaClient(ClusterMetaClientOptions options, FsInfo fs, IClusterTopology topology, ILogger logger, ulong clientId)
    {
        options.Validate();
        _options = options;
        _logger = logger;
        Fs = fs;
        _topology = topology;
        _router = new PartitionRouter(topology, options.CopysetId);
        _numbering = new RequestNumbering(clientId);
        _rpc = new MetaRpcClient(options.CallTimeout);
        _invoker = new CopysetInvoker(options, _rpc, topology, logger);
        _coordinator = new TxCoordinator(this, logger);
    }

    public FsInfo Fs { get; private set; }

    private CrossCopysetOperations Cross => _crossOperations ??= new CrossCopysetOperations(Fs.FsId, this, this, _coordinator, _logger);

    /// <summary>The ID that numbers this client's commands and names its orphan holds.</summary>
    public ulong ClientId => _numbering.ClientId;

    /// <summary>
    /// Finds the filesystem called <paramref name="fsName"/> in copyset options.CopysetId (metaservers without
    /// an MDS keep filesystem records there) and returns a client for it.
    /// </summary>
    /// <exception cref="MetaClusterException">no metaserver answered within the retry budget (Errno EIO), or
    /// no filesystem has that name (ENOENT); the message names the endpoints and what to do.</exception>
    public static async Task<ClusterMetaClient> ConnectAsync(ClusterMetaClientOptions options, string fsName, ILogger logger, CancellationToken cancellationToken = default)
    {
        options.Validate();
        // The client looks the filesystem up itself, so the leader it finds stays cached for what follows.
        var probe = new ClusterMetaClient(options, new FsInfo(0, fsName, FsInfo.DefaultChunkSize, FsInfo.DefaultBlockSize, 0), logger);
        var connected = false;
        try
        {
            var copyset = options.CopysetId;
            var result = await probe.QueryOnceAsync(copyset, new FsByNameQuery { Name = fsName }, cancellationToken).ConfigureAwait(false);
            if (result.Error == Errno.EIO && result.Fs is null)
                throw new MetaClusterException(Errno.EIO,
                    $"cannot reach the metadata cluster ({probe._invoker.EndpointList}) to look up filesystem '{fsName}'. " +
                    "Check that the metaservers are running and that these are their RPC addresses; their logs say more.");
            if (result.Error == Errno.ENOENT || result.Ok && result.Fs is null)
                throw new MetaClusterException(Errno.ENOENT,
                    $"filesystem '{fsName}' does not exist in copyset {copyset} of the metadata cluster ({probe._invoker.EndpointList}). " +
                    "Create it first (curvefs create-fs), or check the name and the copyset.");
            if (!result.Ok)
                throw new MetaClusterException(Errno.EIO, $"looking up filesystem '{fsName}' on {probe._invoker.EndpointList} failed with {result.Error}");
            logger.LogInformation("filesystem '{Name}' is fs {FsId} in copyset {Copyset} (leader {Leader})", fsName, result.Fs!.FsId, copyset, probe._invoker.LeaderOf(copyset));
            probe.Fs = result.Fs!;
            connected = true;
            return probe;
        }
        finally
        {
            if (!connected) await probe.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Creates the filesystem record, the root directory and the first partition, unless they exist
    /// (what create-fs does without an MDS). EEXIST: another filesystem has this name.</summary>
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

    /// <summary>Switches the client ID (a new MDS session after the old one expired): requests from now on carry it.</summary>
    internal void ChangeClientId(ulong clientId) => _numbering.ChangeClientId(clientId);

    /// <summary>The endpoint this client believes leads the copyset, if any.</summary>
    internal string? LeaderOf(uint copysetId) => _invoker.LeaderOf(copysetId);

    internal int CommandsInFlight => _numbering.InFlight;

    public uint CopysetOf(ulong ino) => _router.CopysetOf(ino);

    /// <summary>Every copyset holding partitions of the filesystem.</summary>
    public IReadOnlyList<uint> Copysets => _router.Copysets;

    /// <summary>The copyset of an inode, refreshing the topology once when the table does not know it.</summary>
    private async ValueTask<uint> RouteAsync(ulong ino, CancellationToken cancellationToken)
    {
        if (ino == 0) return _router.MetaCopyset;
        var copyset = _router.CopysetOf(ino);
        if (copyset != 0) return copyset;
        await _topology.RefreshAsync(cancellationToken).ConfigureAwait(false);
        copyset = _router.CopysetOf(ino);
        if (copyset == 0) _logger.LogWarning("fs {FsId}: inode {Ino} is in no known partition", Fs.FsId, ino);
        return copyset;
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
