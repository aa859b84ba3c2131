using CurveFs.Common.Data;
using CurveFs.Common.Fs;
using CurveFs.Common.Meta;
using CurveFs.Mount.Meta;

namespace CurveFs.Benchmarks.Micro.Doubles;

/// <summary>A metadata client that accepts every command (slice commits) at once and answers queries with
/// ENOSYS: enough for the data client's write path, nothing else.</summary>
public sealed class CommitOnlyMetaClient(FsInfo fs) : IMetaClient
{
    private long _commits;

    public FsInfo Fs { get; } = fs;
    public ulong ClientId => 0;
    public long Commits => Interlocked.Read(ref _commits);

    public ValueTask<MetaResult> ExecuteAsync(MetaCommand command, CancellationToken cancellationToken = default)
    {
        Interlocked.Increment(ref _commits);
        return ValueTask.FromResult(MetaResult.Success);
    }

    public ValueTask<Result<InodeRecord>> LookupAsync(Caller caller, ulong parent, ReadOnlyMemory<byte> name, CancellationToken cancellationToken = default) => new(Errno.ENOSYS);
    public ValueTask<Result<InodeRecord>> GetAttrAsync(ulong ino, CancellationToken cancellationToken = default) => new(Errno.ENOSYS);
    public ValueTask<Result<List<DirEntryRecord>>> ReadDirAsync(ulong dir, byte[]? startAfter, int limit, bool withAttrs, CancellationToken cancellationToken = default) => new(Errno.ENOSYS);
    public ValueTask<Result<byte[]>> GetXattrAsync(Caller caller, ulong ino, string name, CancellationToken cancellationToken = default) => new(Errno.ENOSYS);
    public ValueTask<Result<List<string>>> ListXattrAsync(Caller caller, ulong ino, CancellationToken cancellationToken = default) => new(Errno.ENOSYS);
    public ValueTask<Result<List<SequencedSlice>>> GetSlicesAsync(ulong ino, ulong chunkIndex, CancellationToken cancellationToken = default) => new(new List<SequencedSlice>());
    public ValueTask<FsStats> StatFsAsync(CancellationToken cancellationToken = default) => new(new FsStats(0, 0));
    public ValueTask<Errno> SyncAsync(CancellationToken cancellationToken = default) => new(Errno.Ok);
    public ValueTask<List<ulong>> ListOrphansAsync(CancellationToken cancellationToken = default) => new(new List<ulong>());
    public ValueTask<List<(byte[] Key, TrashRecord Record)>> ListTrashAsync(int limit, CancellationToken cancellationToken = default) => new(new List<(byte[], TrashRecord)>());
    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}

/// <summary>Chunk IDs from a counter in memory.</summary>
public sealed class CountingChunkIdSource : IChunkIdSource
{
    private long _next;

    public Task<ChunkIdRange> ReserveAsync(ulong count, CancellationToken cancellationToken = default)
    {
        var end = (ulong)Interlocked.Add(ref _next, (long)count);
        return Task.FromResult(new ChunkIdRange(end - count + 1, count));
    }
}
