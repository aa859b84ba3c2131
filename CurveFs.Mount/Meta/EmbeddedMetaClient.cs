using CurveFs.Common.Fs;
using CurveFs.Common.Meta;
using CurveFs.MetaServer.Hosting;
using CurveFs.MetaServer.Partition;

namespace CurveFs.Mount.Meta;

/// <summary>
/// The metadata client of the embedded mode: every partition of the filesystem lives in one
/// in-process copyset, and the client also plays the MDS's part of handing out new partitions when
/// the current ones run out of inode IDs.
/// </summary>
public sealed class EmbeddedMetaClient(ICopyset copyset, FsInfo fs, ulong partitionSize = EmbeddedMetaClient.DefaultPartitionSize) : IMetaClient
{
    /// <summary>Inode IDs per partition (as in CurveFS).</summary>
    public const ulong DefaultPartitionSize = 1UL << 20;

    private readonly SemaphoreSlim _partitionLock = new(1, 1);

    public FsInfo Fs => fs;

    public ulong ClientId => 0;

    /// <summary>Creates the root directory and the first partition of a new filesystem (no-op when they exist).</summary>
    public async ValueTask<Errno> InitializeAsync(uint rootUid, uint rootGid, uint rootMode)
    {
        var result = await copyset.ExecuteAsync(new InitFsCommand
        {
            FsId = fs.FsId,
            NowNs = Clock.NowNs(),
            RootUid = rootUid,
            RootGid = rootGid,
            RootMode = rootMode,
            Partition = NewPartition(1, 1),
        }).ConfigureAwait(false);
        return result.Error;
    }

    private PartitionRecord NewPartition(uint id, ulong start) => new()
    {
        FsId = fs.FsId,
        PartitionId = id,
        Start = start,
        End = start + partitionSize - 1,
        NextIno = start,
        ChunkSize = fs.ChunkSize,
        BlockSize = fs.BlockSize,
    };

    public async ValueTask<MetaResult> ExecuteAsync(MetaCommand command, CancellationToken cancellationToken = default)
    {
        command.FsId = fs.FsId;
        var result = await copyset.ExecuteAsync(command, cancellationToken).ConfigureAwait(false);
        if (result.NeedsPartition)
        {
            await AddPartitionAsync(cancellationToken).ConfigureAwait(false);
            result = await copyset.ExecuteAsync(command, cancellationToken).ConfigureAwait(false);
        }
        return result;
    }

    /// <summary>Adds a partition after the last one (what the MDS does when a filesystem runs out of inode IDs).</summary>
    private async Task AddPartitionAsync(CancellationToken cancellationToken)
    {
        await _partitionLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var partitions = await copyset.ReadAsync(kv => MetaStore.LoadPartitions(kv, fs.FsId), cancellationToken).ConfigureAwait(false);
            if (partitions.Any(p => p.Status == PartitionStatus.ReadWrite && p.NextIno <= p.End)) return; // another caller added one
            var id = partitions.Max(p => p.PartitionId) + 1;
            var start = partitions.Max(p => p.End) + 1;
            await copyset.ExecuteAsync(new CreatePartitionCommand { FsId = fs.FsId, Partition = NewPartition(id, start) }, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _partitionLock.Release();
        }
    }

    public ValueTask<Result<InodeRecord>> LookupAsync(Caller caller, ulong parent, ReadOnlyMemory<byte> name, CancellationToken cancellationToken = default) =>
        copyset.ReadAsync(kv => MetaQueries.Lookup(kv, fs.FsId, parent, name.Span, caller), cancellationToken);

    public ValueTask<Result<InodeRecord>> GetAttrAsync(ulong ino, CancellationToken cancellationToken = default) =>
        copyset.ReadAsync(kv => MetaQueries.GetAttr(kv, fs.FsId, ino), cancellationToken);

    public ValueTask<Result<List<DirEntryRecord>>> ReadDirAsync(ulong dir, byte[]? startAfter, int limit, bool withAttrs, CancellationToken cancellationToken = default) =>
        copyset.ReadAsync(kv => MetaQueries.ReadDir(kv, fs.FsId, dir, startAfter, limit, withAttrs), cancellationToken);

    public ValueTask<Result<byte[]>> GetXattrAsync(Caller caller, ulong ino, string name, CancellationToken cancellationToken = default) =>
        copyset.ReadAsync(kv => MetaQueries.GetXattr(kv, fs.FsId, ino, name, caller), cancellationToken);

    public ValueTask<Result<List<string>>> ListXattrAsync(Caller caller, ulong ino, CancellationToken cancellationToken = default) =>
        copyset.ReadAsync(kv => MetaQueries.ListXattr(kv, fs.FsId, ino, caller), cancellationToken);

    public ValueTask<Result<List<SequencedSlice>>> GetSlicesAsync(ulong ino, ulong chunkIndex, CancellationToken cancellationToken = default) =>
        copyset.ReadAsync(kv => new Result<List<SequencedSlice>>(MetaQueries.GetSlices(kv, fs.FsId, ino, chunkIndex)), cancellationToken);

    public async ValueTask<FsStats> StatFsAsync(CancellationToken cancellationToken = default)
    {
        var usage = await copyset.ReadAsync(kv => MetaQueries.Usage(kv, fs.FsId), cancellationToken).ConfigureAwait(false);
        return new FsStats(usage.Inodes, usage.UsedBytes);
    }

    public async ValueTask<Errno> SyncAsync(CancellationToken cancellationToken = default)
    {
        try
        {
            await copyset.SyncAsync(cancellationToken).ConfigureAwait(false);
            return Errno.Ok;
        }
        catch (IOException)
        {
            return Errno.EIO;
        }
    }

    public ValueTask<List<ulong>> ListOrphansAsync(CancellationToken cancellationToken = default) =>
        copyset.ReadAsync(kv => MetaQueries.Orphans(kv, fs.FsId), cancellationToken);

    public ValueTask<List<(byte[] Key, TrashRecord Record)>> ListTrashAsync(int limit, CancellationToken cancellationToken = default) =>
        copyset.ReadAsync(kv => MetaQueries.Trash(kv, fs.FsId, limit), cancellationToken);

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
