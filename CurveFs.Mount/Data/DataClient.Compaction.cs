using CurveFs.Common.Fs;
using CurveFs.Common.Meta;
using Microsoft.Extensions.Logging;

namespace CurveFs.Mount.Data;

/// <summary>What <see cref="DataClient.CompactChunkAsync"/> did.</summary>
public enum CompactionOutcome
{
    Compacted,
    /// <summary>The chunk is not fragmented enough (see <see cref="CompactionPolicy"/>).</summary>
    NotNeeded,
    /// <summary>This client has uncommitted writes to the file: it is left for later.</summary>
    PendingWrites,
    /// <summary>The chunk changed meanwhile (truncate, punch hole, another compaction) or the file is gone.</summary>
    Stale,
    /// <summary>The object store or the metadata service failed (logged).</summary>
    Failed,
}

// Compaction: a fragmented chunk is read as it resolves now, rewritten under a new chunk ID and swapped
// in with a compare-and-swap command (CompactSlicesCommand). See docs/data-layout.md (compaction).
public sealed partial class DataClient
{
    private readonly CompactionCandidates _candidates = new();

    /// <summary>Chunks waiting for the <see cref="ChunkCompactor"/>.</summary>
    internal CompactionCandidates CompactionCandidates => _candidates;

    /// <summary>Offers a chunk whose slice list a read fetched.</summary>
    private void NoteIfFragmented(ulong ino, ulong chunkIndex, List<SliceRecord> slices)
    {
        if (CompactionPolicy.NeedsCompaction(slices, options.CompactionSliceThreshold, Fs.BlockSize)) _candidates.Add(ino, chunkIndex);
    }

    /// <summary>Offers the chunks this client has committed more slices to than the threshold since it last
    /// offered them (the policy's own bound, so an offer right after a compaction is not wasted), without
    /// asking the metadata service on every commit. Call under the buffer's lock.</summary>
    private void NoteCommitted(InodeWriteBuffer buffer, List<NewSlice> committed)
    {
        foreach (var slice in committed)
        {
            var count = buffer.CommittedPerChunk.GetValueOrDefault(slice.ChunkIndex) + 1;
            if (count <= options.CompactionSliceThreshold)
            {
                buffer.CommittedPerChunk[slice.ChunkIndex] = count;
                continue;
            }
            buffer.CommittedPerChunk.Remove(slice.ChunkIndex);
            _candidates.Add(buffer.Ino, slice.ChunkIndex);
        }
    }

    /// <summary>Rewrites a chunk as one slice when it needs it: reads its slices (with their seqs), reads
    /// the bytes they resolve to from the first covered byte to the last (holes as zeros), uploads them
    /// under a new chunk ID and swaps them in. Slices committed meanwhile stay on top; a truncate or
    /// another compaction meanwhile makes the swap fail (Stale) and the new objects are deleted.</summary>
    public async Task<CompactionOutcome> CompactChunkAsync(ulong ino, ulong chunkIndex, CancellationToken cancellationToken = default)
    {
        if (HasPendingWrites(ino)) return CompactionOutcome.PendingWrites;
        var fetched = await meta.GetSlicesAsync(ino, chunkIndex, cancellationToken).ConfigureAwait(false);
        if (!fetched.Ok) return fetched.Error == Errno.ENOENT ? CompactionOutcome.Stale : Failed("listing its slices", fetched.Error);
        var slices = fetched.Value.ConvertAll(s => s.Slice);
        if (!CompactionPolicy.NeedsCompaction(slices, options.CompactionSliceThreshold, Fs.BlockSize)) return CompactionOutcome.NotNeeded;

        var (from, to) = CompactionPolicy.Extent(slices);
        var data = new byte[to - from];
        var pieces = new List<BlockPiece>();
        var planned = PlanChunk(ino, slices, from, data.Length, 0, pieces);
        if (planned != Errno.Ok) return Failed("planning", planned);
        var read = await FetchPiecesAsync(pieces, data).ConfigureAwait(false);
        // A missing object: another compaction replaced these slices and its trash was collected.
        if (read == Errno.ENOENT) return CompactionOutcome.Stale;
        if (read != Errno.Ok) return Failed("reading", read);

        SliceRecord compacted;
        if (pieces.TrueForAll(p => p.Key is null))
        {
            compacted = new SliceRecord(0, from, to - from, 0, 0); // only holes and zero slices: nothing to store
        }
        else
        {
            var chunkId = await chunkIds.NextAsync(cancellationToken).ConfigureAwait(false);
            // The compaction number counts rewrites of this data; with the fresh chunk ID the key is new anyway.
            compacted = new SliceRecord(chunkId, from, to - from, 0, (uint)data.Length, slices.Max(s => s.Compaction) + 1);
            try
            {
                await PutBlocksAsync(ino, chunkId, compacted.Compaction, data).ConfigureAwait(false);
            }
            catch (Exception e)
            {
                // Blocks that did go up are never committed: `curvefs gc` finds them.
                logger.LogWarning(e, "compaction of inode {Ino} chunk {Chunk}: uploading failed: {Message}", ino, chunkIndex, e.Message);
                return CompactionOutcome.Failed;
            }
        }

        var result = await meta.ExecuteAsync(new CompactSlicesCommand
        {
            Ino = ino,
            ChunkIndex = chunkIndex,
            ReplacedSeqs = fetched.Value.ConvertAll(s => s.Seq),
            Slice = compacted,
            NowNs = Clock.NowNs(),
        }, cancellationToken).ConfigureAwait(false);
        if (result.Ok)
        {
            _slices.Invalidate(ino);
            logger.LogDebug("compacted inode {Ino} chunk {Chunk}: {Count} slices into one of {Bytes} bytes", ino, chunkIndex, slices.Count, data.Length);
            return CompactionOutcome.Compacted;
        }
        await DeleteUnusedAsync(ino, compacted).ConfigureAwait(false);
        return result.Error is Errno.ESTALE or Errno.ENOENT ? CompactionOutcome.Stale : Failed("swapping the slices", result.Error);

        CompactionOutcome Failed(string step, Errno error)
        {
            logger.LogWarning("compaction of inode {Ino} chunk {Chunk}: {Step} failed: {Errno}; it is tried again when the chunk is next offered", ino, chunkIndex, step, error);
            return CompactionOutcome.Failed;
        }
    }

    /// <summary>Deletes the objects of a compacted slice that was not swapped in; when that fails they are
    /// orphans that `curvefs gc` finds.</summary>
    private async Task DeleteUnusedAsync(ulong ino, SliceRecord unused)
    {
        if (unused.IsZero) return;
        try
        {
            await store.DeleteManyAsync(TrashCollector.ObjectKeysOf(Fs, new TrashRecord(ino, [unused])).ToList()).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            logger.LogWarning(e, "deleting the unused compaction output of inode {Ino} (chunk ID {ChunkId}) failed, `curvefs gc` will find it: {Message}", ino, unused.ChunkId, e.Message);
        }
    }
}
