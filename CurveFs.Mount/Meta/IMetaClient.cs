using CurveFs.Common.Fs;
using CurveFs.Common.Meta;

namespace CurveFs.Mount.Meta;

/// <summary>Usage figures of a filesystem for statfs.</summary>
public readonly record struct FsStats(long Inodes, long UsedBytes);

/// <summary>
/// The client's view of the metadata service of one filesystem: commands (changes) and queries.
/// The embedded engine runs the state machine in-process; the cluster client routes commands to the
/// copyset that owns the partition. Failures come back as errnos; a caller never sees an exception
/// for a filesystem error.
/// </summary>
public interface IMetaClient : IAsyncDisposable
{
    FsInfo Fs { get; }

    /// <summary>This client's ID in numbered requests and orphan holds (0: the embedded mode, the only client).</summary>
    ulong ClientId { get; }

    /// <summary>Applies a change. The client fills in FsId; Caller and NowNs come from the caller.
    /// When the filesystem needs a new partition, the client gets one and retries.</summary>
    ValueTask<MetaResult> ExecuteAsync(MetaCommand command, CancellationToken cancellationToken = default);

    ValueTask<Result<InodeRecord>> LookupAsync(Caller caller, ulong parent, ReadOnlyMemory<byte> name, CancellationToken cancellationToken = default);
    ValueTask<Result<InodeRecord>> GetAttrAsync(ulong ino, CancellationToken cancellationToken = default);
    ValueTask<Result<List<DirEntryRecord>>> ReadDirAsync(ulong dir, byte[]? startAfter, int limit, bool withAttrs, CancellationToken cancellationToken = default);
    ValueTask<Result<byte[]>> GetXattrAsync(Caller caller, ulong ino, string name, CancellationToken cancellationToken = default);
    ValueTask<Result<List<string>>> ListXattrAsync(Caller caller, ulong ino, CancellationToken cancellationToken = default);
    ValueTask<Result<List<SequencedSlice>>> GetSlicesAsync(ulong ino, ulong chunkIndex, CancellationToken cancellationToken = default);
    ValueTask<FsStats> StatFsAsync(CancellationToken cancellationToken = default);

    /// <summary>Makes every completed change durable (the embedded engine fsyncs its log).</summary>
    ValueTask<Errno> SyncAsync(CancellationToken cancellationToken = default);

    /// <summary>Inodes without links whose data is still kept (see PurgeInodeCommand).</summary>
    ValueTask<List<ulong>> ListOrphansAsync(CancellationToken cancellationToken = default);

    /// <summary>Queued object deletions.</summary>
    ValueTask<List<(byte[] Key, TrashRecord Record)>> ListTrashAsync(int limit, CancellationToken cancellationToken = default);
}
