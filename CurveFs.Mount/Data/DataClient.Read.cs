using CurveFs.Common.Fs;
using CurveFs.Common.Meta;
using Microsoft.Extensions.Logging;

namespace CurveFs.Mount.Data;

// The read path: committed slices (newest wins) from the object store, then buffered writes on top.
// See docs/data-layout.md (reading) and docs/caching.md.
public sealed partial class DataClient
{
    /// <summary>Reads file bytes at offset into destination; returns how many (short at end of file).
    /// The file's length is the committed length (asked once and cached until this client changes it or
    /// the file is opened again: close-to-open) extended by buffered writes.</summary>
    /// <param name="pattern">the open file's access pattern: sequential readers get read-ahead (null: none).</param>
    public async ValueTask<Result<int>> ReadAsync(ulong ino, long offset, Memory<byte> destination, ReadPattern? pattern = null)
    {
        if (offset < 0) return Errno.EINVAL;
        _buffers.TryGetValue(ino, out var buffer);
        for (var attempt = 0; ; attempt++)
        {
            long version = 0;
            ulong pendingEnd = 0;
            if (buffer is not null)
            {
                lock (buffer.Lock)
                {
                    version = buffer.CommitVersion;
                    pendingEnd = buffer.PendingEnd;
                }
            }
            // Asked after the version is taken: a commit that lands in between changes the version (so this
            // attempt is retried), one that landed before has already dropped the cached length.
            var committed = await GetCommittedLengthAsync(ino).ConfigureAwait(false);
            if (!committed.Ok) return committed.Error;
            var committedLength = committed.Value;
            var length = Math.Max(committedLength, pendingEnd);
            if ((ulong)offset >= length)
            {
                if (buffer is null) return 0;
                lock (buffer.Lock)
                {
                    if (buffer.CommitVersion != version && attempt < 100) continue;
                }
                return 0;
            }
            var count = (int)Math.Min((ulong)destination.Length, length - (ulong)offset);
            var target = destination[..count];
            if (attempt == 0 && pattern is not null) ReadAhead(ino, pattern, offset, count, committedLength);
            var error = await ReadCommittedAsync(ino, offset, target, random: pattern?.IsRandom == true).ConfigureAwait(false);
            if (error != Errno.Ok) return error;
            if (buffer is null) return count;
            lock (buffer.Lock)
            {
                // A flush committed while we read: what we read may miss its slices, and its buffers are gone. Read again.
                if (buffer.CommitVersion != version && attempt < 100) continue;
                foreach (var piece in buffer.Pieces) Overlay(piece.Slices, offset, target.Span);
                Overlay(buffer.Dirty, offset, target.Span);
            }
            return count;
        }
    }

    /// <summary>Copies the parts of buffered slices (oldest first, so newer ones win) that fall into the range.</summary>
    private void Overlay(List<DirtySlice> slices, long offset, Span<byte> target)
    {
        var chunkSize = (long)Fs.ChunkSize;
        var end = offset + target.Length;
        foreach (var slice in slices)
        {
            var sliceStart = (long)slice.ChunkIndex * chunkSize + slice.Pos;
            var sliceEnd = sliceStart + slice.Length;
            var from = Math.Max(sliceStart, offset);
            var to = Math.Min(sliceEnd, end);
            if (from >= to) continue;
            slice.Data.Slice((int)(from - sliceStart), (int)(to - from)).CopyTo(target[(int)(from - offset)..]);
        }
    }

    /// <param name="random">the reader jumps around: once the block cache is full, blocks it lacks are read
    /// in ranges instead of whole (see <see cref="FetchPiecesAsync"/>).</param>
    private async ValueTask<Errno> ReadCommittedAsync(ulong ino, long offset, Memory<byte> target, bool random = false)
    {
        for (var attempt = 0; ; attempt++)
        {
            var pieces = new List<BlockPiece>();
            var planned = await PlanAsync(ino, offset, target.Length, pieces).ConfigureAwait(false);
            if (planned != Errno.Ok) return planned;
            var fetched = await FetchPiecesAsync(pieces, target, random).ConfigureAwait(false);
            if (fetched != Errno.ENOENT) return fetched;
            // A cached slice list may name objects that a compaction (of this mount or another) replaced and
            // the trash collector deleted since: plan once more from a fresh list.
            if (attempt == 0)
            {
                _slices.Invalidate(ino);
                continue;
            }
            logger.LogError("inode {Ino}: a block of [{Offset}, +{Length}) is missing from {Store} even after re-reading the slices: its data is lost or was deleted too early",
                ino, offset, target.Length, store.Description);
            return Errno.EIO;
        }
    }

    /// <summary>Fills target with the planned pieces: zeros for holes, block bytes otherwise. Every fetch
    /// starts before the first is awaited, so a read spanning several blocks downloads them in parallel.
    /// ENOENT when a block does not exist.
    /// A random reader whose block is not cached, when the cache is full and there is no disk cache, gets just
    /// its range: fetching and caching whole blocks would evict one block per 4 KiB read and move a block's
    /// worth of bytes for each (a 4 MiB GET per 4 KiB read, 1 % of the FUSE ceiling in the benchmark).</summary>
    private async ValueTask<Errno> FetchPiecesAsync(List<BlockPiece> pieces, Memory<byte> target, bool random = false)
    {
        var blocks = new Task<Result<byte[]>>?[pieces.Count];
        var ranges = new Task<Errno>?[pieces.Count];
        for (var i = 0; i < pieces.Count; i++)
        {
            var piece = pieces[i];
            if (piece.Key is null) target.Span.Slice(piece.TargetOffset, piece.Length).Clear();
            else if (random && ShouldReadRange(piece)) ranges[i] = GetRangeAsync(piece.Key, piece.InBlock, target.Slice(piece.TargetOffset, piece.Length)).AsTask();
            else blocks[i] = GetBlockAsync(piece.Key, piece.BlockLength);
        }
        for (var i = 0; i < pieces.Count; i++)
        {
            if (ranges[i] is { } range)
            {
                var error = await range.ConfigureAwait(false);
                if (error != Errno.Ok) return error;
                continue;
            }
            if (blocks[i] is not { } pending) continue;
            var block = await pending.ConfigureAwait(false);
            if (!block.Ok) return block.Error;
            var piece = pieces[i];
            if (block.Value.Length < piece.InBlock + piece.Length)
            {
                logger.LogError("object {Key} is {Length} bytes, shorter than its slice says ({Expected})", piece.Key, block.Value.Length, piece.InBlock + piece.Length);
                return Errno.EIO;
            }
            block.Value.AsSpan(piece.InBlock, piece.Length).CopyTo(target.Span[piece.TargetOffset..]);
        }
        return Errno.Ok;
    }

    /// <summary>Bytes [TargetOffset, TargetOffset + Length) of a read: bytes [InBlock, InBlock + Length) of the block
    /// object Key (BlockLength bytes long), or a hole when Key is null.</summary>
    private readonly record struct BlockPiece(int TargetOffset, int Length, string? Key, int BlockLength, int InBlock);

    /// <summary>Resolves file bytes [offset, offset + length) into pieces of blocks and holes, in file order:
    /// for every byte the newest committed slice, then the block of that slice's data holding it.</summary>
    private async ValueTask<Errno> PlanAsync(ulong ino, long offset, int length, List<BlockPiece> pieces)
    {
        var chunkSize = (long)Fs.ChunkSize;
        var done = 0;
        while (done < length)
        {
            var position = offset + done;
            var chunkIndex = (ulong)(position / chunkSize);
            var pos = (uint)(position % chunkSize);
            var take = (int)Math.Min(length - done, chunkSize - pos);
            var slices = await GetSlicesAsync(ino, chunkIndex).ConfigureAwait(false);
            if (!slices.Ok) return slices.Error;
            var chunk = PlanChunk(ino, slices.Value, pos, take, done, pieces);
            if (chunk != Errno.Ok) return chunk;
            done += take;
        }
        return Errno.Ok;
    }

    /// <summary>Resolves chunk bytes [pos, pos + length) of the given slices into pieces whose target
    /// offsets start at <paramref name="at"/>: for every byte the newest slice, then the block of that
    /// slice's data holding it, or a hole.</summary>
    private Errno PlanChunk(ulong ino, IReadOnlyList<SliceRecord> slices, uint pos, int length, int at, List<BlockPiece> pieces)
    {
        var blockSize = (long)Fs.BlockSize;
        foreach (var segment in SliceMap.Resolve(slices, pos, pos + (uint)length))
        {
            var target = at + (int)(segment.Start - pos);
            var remaining = (int)(segment.End - segment.Start);
            if (segment.IsHole)
            {
                pieces.Add(new BlockPiece(target, remaining, null, 0, 0));
                continue;
            }
            var slice = segment.Slice!;
            var dataOffset = (long)slice.DataOffset + (segment.Start - slice.Pos);
            while (remaining > 0)
            {
                var blockIndex = dataOffset / blockSize;
                var inBlock = (int)(dataOffset % blockSize);
                var blockLength = (int)Math.Min(blockSize, (long)slice.DataSize - blockIndex * blockSize);
                var part = Math.Min(remaining, blockLength - inBlock);
                if (part <= 0)
                {
                    logger.LogError("slice of chunk ID {ChunkId} (inode {Ino}) points past its data ({DataSize} bytes)", slice.ChunkId, ino, slice.DataSize);
                    return Errno.EIO;
                }
                var key = ObjectKeyLayout.BlockKey(Fs.FsId, ino, slice.ChunkId, blockIndex, slice.Compaction);
                pieces.Add(new BlockPiece(target, part, key, blockLength, inBlock));
                target += part;
                dataOffset += part;
                remaining -= part;
            }
        }
        return Errno.Ok;
    }

    private async ValueTask<Result<ulong>> GetCommittedLengthAsync(ulong ino)
    {
        if (_slices.TryGetLength(ino, out var generation) is { } cached) return cached;
        var attr = await meta.GetAttrAsync(ino).ConfigureAwait(false);
        if (!attr.Ok) return attr.Error;
        _slices.StoreLength(ino, generation, attr.Value.Length);
        return attr.Value.Length;
    }

    private async ValueTask<Result<List<SliceRecord>>> GetSlicesAsync(ulong ino, ulong chunkIndex)
    {
        if (_slices.TryGet(ino, chunkIndex, out var generation) is { } cached) return cached;
        var fetched = await meta.GetSlicesAsync(ino, chunkIndex).ConfigureAwait(false);
        if (!fetched.Ok) return fetched.Error;
        var list = fetched.Value.Select(s => s.Slice).ToList();
        NoteIfFragmented(ino, chunkIndex, list);
        _slices.Store(ino, chunkIndex, generation, list);
        return list;
    }
}
