using CurveFs.Common.Fs;
using CurveFs.Common.Meta;

namespace CurveFs.Mount.Data;

// The write path, first half: copy writes into dirty slices under the write budget, and seal full
// slices so they upload in the background (DataClient.Upload.cs) while writing goes on.
public sealed partial class DataClient
{
    /// <summary>Writes larger than this take the budget in parts, so one request never exceeds it.</summary>
    private const int MaxBudgetRequest = 1 << 20;
    private static readonly TimeSpan BudgetRecheck = TimeSpan.FromMilliseconds(50);

    /// <summary>Buffers a write. Waits while the mount's write budget is used (it comes back as
    /// uploads commit), so memory stays bounded and a write never fails for lack of it.</summary>
    public async ValueTask<Errno> WriteAsync(ulong ino, long offset, ReadOnlyMemory<byte> data)
    {
        if (offset < 0) return Errno.EINVAL;
        if (data.Length == 0) return Errno.Ok;
        if ((ulong)offset + (ulong)data.Length > (ulong)Limits.FileSizeMax) return Errno.EFBIG;
        var partSize = (int)Math.Min(_budget.Limit, MaxBudgetRequest);
        while (data.Length > 0)
        {
            var part = data[..Math.Min(data.Length, partSize)];
            await ReserveAsync(part.Length).ConfigureAwait(false);
            BufferWrite(ino, offset, part.Span);
            offset += part.Length;
            data = data[part.Length..];
        }
        return Errno.Ok;
    }

    private async ValueTask ReserveAsync(int bytes)
    {
        if (_budget.TryAcquire(bytes)) return;
        var granted = _budget.AcquireAsync(bytes);
        while (!granted.IsCompleted)
        {
            // Uploads give the budget back as they commit. When little is on its way out, the budget
            // is held by dirty slices that nothing would upload: seal them all.
            if (Interlocked.Read(ref _sealedTotal) < _budget.Limit / 2) SealAll();
            await Task.WhenAny(granted, Task.Delay(BudgetRecheck)).ConfigureAwait(false);
        }
    }

    /// <summary>Copies a write, for which the budget is reserved, into the inode's dirty slices and
    /// starts uploading the slices it filled.</summary>
    private void BufferWrite(ulong ino, long offset, ReadOnlySpan<byte> data)
    {
        var buffer = _buffers.GetOrAdd(ino, static i => new InodeWriteBuffer(i));
        long grown = 0;
        List<UploadPiece>? sealedPieces = null;
        lock (buffer.Lock)
        {
            if (!buffer.Discarded)
            {
                var chunkSize = (ulong)Fs.ChunkSize;
                var position = (ulong)offset;
                var remaining = data;
                while (remaining.Length > 0)
                {
                    var (taken, added) = AppendDirty(buffer, position / chunkSize, (uint)(position % chunkSize), remaining);
                    grown += added;
                    remaining = remaining[taken..];
                    position += (ulong)taken;
                    buffer.StreamEnd = position;
                }
                buffer.DirtyBytes += grown;
                buffer.PendingEnd = Math.Max(buffer.PendingEnd, (ulong)offset + (ulong)data.Length);
                buffer.LastWriteNs = Clock.NowNs();
                var lastFull = buffer.Dirty.FindLastIndex(s => s.IsFull);
                if (lastFull >= 0) sealedPieces = SealPrefix(buffer, lastFull + 1);
            }
            // else: the inode was purged (no handle can be open), nothing can read this write.
        }
        Interlocked.Add(ref _dirtyTotal, grown);
        _budget.Release(data.Length - grown);
        if (sealedPieces is not null) StartUploads(buffer, sealedPieces);
    }

    /// <summary>Puts bytes into the newest dirty slice when they start inside or right after it (an
    /// append or a rewrite of recent bytes) and it has room, else into a new slice. Returns the bytes
    /// taken (a slice stops at one block) and the bytes added.</summary>
    private (int Taken, int Grown) AppendDirty(InodeWriteBuffer buffer, ulong chunkIndex, uint pos, ReadOnlySpan<byte> data)
    {
        if (buffer.Dirty.Count > 0)
        {
            var last = buffer.Dirty[^1];
            if (last.ChunkIndex == chunkIndex && pos >= last.Pos && pos <= last.End && pos - last.Pos < last.MaxLength)
                return last.Write(pos, data);
        }
        var maxLength = (int)Math.Min(Fs.BlockSize, Fs.ChunkSize - pos);
        // A slice that continues a sequential stream will fill: take the whole block at once instead of
        // growing by doubling (each step a copy and a pooled array left behind). Small files start small.
        var streaming = chunkIndex * Fs.ChunkSize + pos == buffer.StreamEnd && buffer.StreamEnd > 0;
        var slice = new DirtySlice(chunkIndex, pos, streaming ? maxLength : Math.Max(data.Length, 128 << 10), maxLength);
        buffer.Dirty.Add(slice);
        return slice.Write(pos, data);
    }

    /// <summary>Turns the oldest <paramref name="count"/> dirty slices into upload pieces, one per chunk
    /// (slices of one chunk share a chunk ID, so scattered small writes become few objects). Taking a
    /// prefix keeps the pieces in write order. Call under the buffer's lock, then <see cref="StartUploads"/>.</summary>
    private List<UploadPiece> SealPrefix(InodeWriteBuffer buffer, int count)
    {
        if (count == 0) return [];
        var sealing = buffer.Dirty.GetRange(0, count);
        buffer.Dirty.RemoveRange(0, count);
        long bytes = 0;
        var chunks = new List<ulong>();
        var byChunk = new Dictionary<ulong, List<DirtySlice>>();
        foreach (var slice in sealing)
        {
            bytes += slice.Length;
            if (!byChunk.TryGetValue(slice.ChunkIndex, out var members))
            {
                byChunk[slice.ChunkIndex] = members = [];
                chunks.Add(slice.ChunkIndex);
            }
            members.Add(slice);
        }
        var pieces = chunks.ConvertAll(chunk => new UploadPiece(chunk, byChunk[chunk]));
        buffer.Pieces.AddRange(pieces);
        buffer.DirtyBytes -= bytes;
        Interlocked.Add(ref _dirtyTotal, -bytes);
        Interlocked.Add(ref _sealedTotal, bytes);
        return pieces;
    }

    /// <summary>Seals every dirty slice of every file: the budget is full of data nothing would upload.</summary>
    private void SealAll()
    {
        foreach (var buffer in _buffers.Values)
        {
            List<UploadPiece> pieces;
            lock (buffer.Lock)
            {
                if (buffer.Discarded || buffer.Dirty.Count == 0) continue;
                pieces = SealPrefix(buffer, buffer.Dirty.Count);
            }
            StartUploads(buffer, pieces);
        }
    }
}
