using CurveFs.Common.Meta;
using CurveFs.Mount.Data;
using CurveFs.Mount.Meta.Transactions;
using CurveFs.Mount.ObjectStore;

namespace CurveFs.Mount.Admin;

/// <summary>How <see cref="ObjectGc"/> decides and what it may do.</summary>
public sealed record ObjectGcOptions
{
    /// <summary>Objects younger than this are never leaks: their slice may be about to be committed.</summary>
    public TimeSpan MinAge { get; init; } = TimeSpan.FromHours(1);

    /// <summary>The first chunk ID not yet handed out, read before listing; IDs at or above it may belong to a
    /// write in progress and are never leaks. Null when it could not be read (age alone protects them then).</summary>
    public ulong? ChunkIdCeiling { get; init; }

    /// <summary>Delete the leaked objects (otherwise only report them).</summary>
    public bool Delete { get; init; }

    public int MaxExamples { get; init; } = 5;
}

/// <summary>What gc saw: every object of the filesystem falls in exactly one of the counted groups.</summary>
public sealed record ObjectGcReport
{
    public long Objects { get; init; }
    public long Bytes { get; init; }
    /// <summary>Distinct chunk IDs named by slice and trash records.</summary>
    public int ReferencedChunkIds { get; init; }
    public long Referenced { get; init; }
    /// <summary>Unreferenced but younger than the minimum age (or of unknown age).</summary>
    public long TooYoung { get; init; }
    /// <summary>Unreferenced with a chunk ID at or above the counter read before listing.</summary>
    public long Unissued { get; init; }
    /// <summary>Keys under the filesystem's prefix that are not block keys: never touched.</summary>
    public long Foreign { get; init; }
    public long Leaked { get; init; }
    public long LeakedBytes { get; init; }
    public IReadOnlyList<string> Examples { get; init; } = [];
    public long Deleted { get; init; }
}

/// <summary>
/// Finds a filesystem's leaked objects: blocks whose chunk ID no slice record and no trash record in any
/// copyset names (uploads whose commit never happened: a mount killed between upload and commit, a failed
/// commit, a file deleted during its upload), and deletes them when asked. Data shadowed by newer slices is
/// still referenced and stays. Safety against writers racing with it: the chunk IDs referenced are read
/// before and again after listing (an object counts only if neither read names it), objects younger than
/// <see cref="ObjectGcOptions.MinAge"/> and chunk IDs not handed out before the listing began are left alone.
/// </summary>
public sealed class ObjectGc(uint fsId, IObjectStore store, ICopysetAccess copysets, IReadOnlyList<uint> copysetIds,
    TimeProvider? time = null, Action<string>? progress = null)
{
    private const int DeleteBatch = 1000;
    private const int ProgressEvery = 100_000;

    /// <exception cref="IOException">a copyset could not be read.</exception>
    /// <exception cref="ObjectStoreException">the store could not be listed, or a delete failed.</exception>
    public async Task<ObjectGcReport> RunAsync(ObjectGcOptions options, CancellationToken cancellationToken = default)
    {
        var now = (time ?? TimeProvider.System).GetUtcNow();
        var referencedBefore = await ReferencedChunkIdsAsync(cancellationToken).ConfigureAwait(false);
        progress?.Invoke($"{referencedBefore.Count} chunk IDs referenced; listing objects");
        long objects = 0, bytes = 0, referenced = 0, young = 0, unissued = 0, foreign = 0;
        var candidates = new List<(ulong ChunkId, ObjectInfo Object)>();
        await foreach (var info in store.ListAsync(ObjectKeyLayout.FsPrefix(fsId), cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            objects++;
            bytes += info.Size;
            if (objects % ProgressEvery == 0) progress?.Invoke($"listed {objects} objects");
            if (!ObjectKeyLayout.TryParse(info.Key, out var keyFs, out _, out var chunkId, out _, out _) || keyFs != fsId) foreign++;
            else if (referencedBefore.Contains(chunkId)) referenced++;
            else if (options.ChunkIdCeiling is { } ceiling && chunkId >= ceiling) unissued++;
            // A store that cannot tell an object's age gives it no time: it might be brand new.
            else if (info.LastModified == default || now - info.LastModified < options.MinAge) young++;
            else candidates.Add((chunkId, info));
        }
        // A commit between the first read and the listing names objects the first read did not know.
        var referencedAfter = candidates.Count == 0 ? [] : await ReferencedChunkIdsAsync(cancellationToken).ConfigureAwait(false);
        var leaked = new List<ObjectInfo>();
        foreach (var (chunkId, info) in candidates)
        {
            if (referencedAfter.Contains(chunkId)) referenced++;
            else leaked.Add(info);
        }
        long deleted = 0;
        if (options.Delete)
        {
            foreach (var batch in leaked.Chunk(DeleteBatch))
            {
                await store.DeleteManyAsync(batch.Select(o => o.Key).ToList(), cancellationToken).ConfigureAwait(false);
                deleted += batch.Length;
                progress?.Invoke($"deleted {deleted} of {leaked.Count} leaked objects");
            }
        }
        return new ObjectGcReport
        {
            Objects = objects,
            Bytes = bytes,
            ReferencedChunkIds = referencedBefore.Count,
            Referenced = referenced,
            TooYoung = young,
            Unissued = unissued,
            Foreign = foreign,
            Leaked = leaked.Count,
            LeakedBytes = leaked.Sum(o => o.Size),
            Examples = leaked.Take(options.MaxExamples).Select(o => o.Key).ToList(),
            Deleted = deleted,
        };
    }

    /// <summary>Every chunk ID a slice record or a trash record names, across all copysets (zero slices aside).</summary>
    private async Task<HashSet<ulong>> ReferencedChunkIdsAsync(CancellationToken cancellationToken)
    {
        var chunkIds = new HashSet<ulong>();
        foreach (var copyset in copysetIds)
        {
            await foreach (var pair in CopysetScan.ScanAsync(copysets, fsId, copyset, MetaKeys.KindPrefix(MetaKeys.Slice, fsId), cancellationToken).ConfigureAwait(false))
            {
                var slice = MetaCodec.Decode<SliceRecord>(pair.Value);
                if (!slice.IsZero) chunkIds.Add(slice.ChunkId);
            }
            // Trash still names what the trash collector is about to delete: its job, not gc's.
            await foreach (var pair in CopysetScan.ScanAsync(copysets, fsId, copyset, MetaKeys.TrashPrefix(fsId), cancellationToken).ConfigureAwait(false))
                foreach (var slice in MetaCodec.Decode<TrashRecord>(pair.Value).Slices)
                    if (!slice.IsZero) chunkIds.Add(slice.ChunkId);
        }
        return chunkIds;
    }
}
