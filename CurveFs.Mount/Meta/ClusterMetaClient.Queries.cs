using CurveFs.Common.Fs;
using CurveFs.Common.Meta;
using CurveFs.Common.Rpc;
using Microsoft.Extensions.Logging;

namespace CurveFs.Mount.Meta;

// Queries: routed by their key inode; a child living in another copyset is fetched there; a locked key
// is resolved and the query asked again.
public sealed partial class ClusterMetaClient
{
    /// <summary>One query to one copyset's leader, without lock handling (the coordinator's own view).</summary>
    private async ValueTask<QueryResult> QueryOnceAsync(uint copyset, MetaQuery query, CancellationToken cancellationToken)
    {
        query.FsId = Fs.FsId;
        var request = new QueryRequest { CopysetId = copyset, Query = query };
        var outcome = await _invoker.CallAsync(MetaRpc.Query, copyset, request, () => query.GetType().Name, cancellationToken).ConfigureAwait(false);
        if (outcome.Reply is null) return QueryResult.Fail(Errno.EIO);
        if (outcome.Reply.Result is { } result) return result;
        _logger.LogError("copyset {Copyset}: {Query}: the reply carries no result", copyset, query.GetType().Name);
        return QueryResult.Fail(Errno.EIO);
    }

    /// <summary>A query to the copyset of its key inode; a key locked by a transaction is resolved first.</summary>
    private async ValueTask<QueryResult> QueryAsync(MetaQuery query, CancellationToken cancellationToken, uint copyset = 0)
    {
        if (copyset == 0) copyset = await RouteAsync(PartitionRouter.KeyInode(query), cancellationToken).ConfigureAwait(false);
        if (copyset == 0) return QueryResult.Fail(Errno.ESTALE);
        var started = Environment.TickCount64;
        while (true)
        {
            var result = await QueryOnceAsync(copyset, query, cancellationToken).ConfigureAwait(false);
            if (result.Error != Errno.EAGAIN || result.LockedBy is not { } held || !_coordinator.StillPatient(started)) return result;
            await ResolveAsync(held, copyset, cancellationToken).ConfigureAwait(false);
        }
    }

    public async ValueTask<Result<InodeRecord>> LookupAsync(Caller caller, ulong parent, ReadOnlyMemory<byte> name, CancellationToken cancellationToken = default)
    {
        var result = await QueryAsync(new LookupQuery { Parent = parent, Name = name.ToArray(), Caller = caller }, cancellationToken).ConfigureAwait(false);
        // The child lives in another copyset: the dentry came back, its inode is asked for there.
        if (result.Error == Errno.EXDEV && result.Dentry is { } dentry) return await GetAttrAsync(dentry.Ino, cancellationToken).ConfigureAwait(false);
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
            if (want <= 0) break;
            var result = await QueryAsync(new ReadDirQuery { Dir = dir, StartAfter = startAfter, Limit = want, WithAttrs = withAttrs }, cancellationToken).ConfigureAwait(false);
            if (!result.Ok) return result.Error;
            var page = result.Entries ?? [];
            if (all is null) all = page;
            else all.AddRange(page);
            if (page.Count < want) break;
            startAfter = page[^1].Name;
        }
        all ??= [];
        if (!withAttrs) return all;
        // Children in other copysets came without attributes: fetch them there.
        for (var i = 0; i < all.Count; i++)
        {
            if (all[i].Attr is not null) continue;
            var attr = await GetAttrAsync(all[i].Ino, cancellationToken).ConfigureAwait(false);
            if (attr.Ok) all[i] = all[i] with { Attr = attr.Value };
        }
        return all;
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
            var result = Require(await QueryOnceAsync(copyset, new UsageQuery(), cancellationToken).ConfigureAwait(false), "statfs");
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
            all.AddRange(Require(await QueryOnceAsync(copyset, new OrphansQuery { Limit = int.MaxValue }, cancellationToken).ConfigureAwait(false), "listing orphans").Inos ?? []);
        return all;
    }

    /// <exception cref="MetaClusterException">no metaserver answered.</exception>
    public async ValueTask<List<(byte[] Key, TrashRecord Record)>> ListTrashAsync(int limit, CancellationToken cancellationToken = default)
    {
        var all = new List<(byte[], TrashRecord)>();
        foreach (var copyset in _router.Copysets)
        {
            if (all.Count >= limit) break;
            var result = Require(await QueryOnceAsync(copyset, new TrashQuery { Limit = limit - all.Count }, cancellationToken).ConfigureAwait(false), "listing the trash");
            foreach (var entry in result.Trash ?? []) all.Add((entry.Key, entry.Record));
        }
        return all;
    }
}
