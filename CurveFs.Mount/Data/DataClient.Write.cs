using System.Buffers;
using CurveFs.Common.Fs;
using CurveFs.Common.Meta;
using Microsoft.Extensions.Logging;

namespace CurveFs.Mount.Data;

// The write path: buffer, then upload and commit on flush.
public sealed partial class DataClient
{
    /// <summary>Buffers a write. Flushes the file first when its buffer or the mount's total is full,
    /// so memory stays bounded (the writer waits for the upload).</summary>
    public async ValueTask<Errno> WriteAsync(ulong ino, long offset, ReadOnlyMemory<byte> data)
    {
        if (offset < 0) return Errno.EINVAL;
        if (data.Length == 0) return Errno.Ok;
        if ((ulong)offset + (ulong)data.Length > (ulong)Limits.FileSizeMax) return Errno.EFBIG;
        var buffer = _buffers.GetOrAdd(ino, static i => new InodeWriteBuffer(i));
        long grown = 0;
        long held;
        lock (buffer.Lock)
        {
            var chunkSize = (ulong)Fs.ChunkSize;
            var position = (ulong)offset;
            var remaining = data.Span;
            while (remaining.Length > 0)
            {
                var chunkIndex = position / chunkSize;
                var pos = (uint)(position % chunkSize);
                var take = (int)Math.Min((ulong)remaining.Length, chunkSize - pos);
                grown += AppendDirty(buffer, chunkIndex, pos, remaining[..take]);
                remaining = remaining[take..];
                position += (ulong)take;
            }
            buffer.BufferedBytes += grown;
            buffer.PendingEnd = Math.Max(buffer.PendingEnd, (ulong)offset + (ulong)data.Length);
            buffer.LastWriteNs = Clock.NowNs();
            held = buffer.BufferedBytes;
        }
        var total = Interlocked.Add(ref _bufferedTotal, grown);
        if (held >= options.FileBufferBytes || total >= options.TotalBufferBytes)
            return await FlushAsync(ino).ConfigureAwait(false);
        return Errno.Ok;
    }

    /// <summary>Puts bytes into the newest dirty slice when they start inside or right after it (an
    /// append or a rewrite of recent bytes), else into a new slice. Returns the bytes added.</summary>
    private int AppendDirty(InodeWriteBuffer buffer, ulong chunkIndex, uint pos, ReadOnlySpan<byte> data)
    {
        if (buffer.Dirty.Count > 0)
        {
            var last = buffer.Dirty[^1];
            if (last.ChunkIndex == chunkIndex && pos >= last.Pos && pos <= last.End) return last.Write(pos, data);
        }
        var slice = new DirtySlice(chunkIndex, pos, Math.Min(Math.Max(data.Length, 128 << 10), (int)(Fs.ChunkSize - pos)));
        buffer.Dirty.Add(slice);
        return slice.Write(pos, data);
    }

    /// <summary>Uploads and commits everything buffered for an inode. Returns when the data is in the
    /// object store and its slices are committed, or with the errno of the failure (the data then
    /// stays buffered and the next flush retries it).</summary>
    public async ValueTask<Errno> FlushAsync(ulong ino)
    {
        if (!_buffers.TryGetValue(ino, out var buffer)) return Errno.Ok;
        await buffer.FlushLock.WaitAsync().ConfigureAwait(false);
        try
        {
            List<DirtySlice> flushing;
            ulong pendingEnd;
            long writtenAt;
            lock (buffer.Lock)
            {
                if (buffer.Dirty.Count == 0) return Errno.Ok;
                flushing = buffer.Dirty;
                buffer.InFlight = flushing;
                buffer.Dirty = [];
                pendingEnd = buffer.PendingEnd;
                writtenAt = buffer.LastWriteNs;
            }
            var error = await UploadAndCommitAsync(ino, flushing, pendingEnd, writtenAt).ConfigureAwait(false);
            long released = 0;
            lock (buffer.Lock)
            {
                if (error == Errno.Ok)
                {
                    buffer.CommitVersion++;
                    _slices.Invalidate(ino);
                    foreach (var slice in flushing)
                    {
                        released += slice.Length;
                        slice.Release();
                    }
                    buffer.BufferedBytes -= released;
                    if (buffer.Dirty.Count == 0) buffer.PendingEnd = 0;
                }
                else if (error != Errno.ENOENT)
                {
                    // Keep the data: it goes back in front of newer writes and the next flush retries it.
                    flushing.AddRange(buffer.Dirty);
                    buffer.Dirty = flushing;
                }
                else
                {
                    // The inode is gone (deleted and purged): nothing can ever read this data.
                    foreach (var slice in flushing)
                    {
                        released += slice.Length;
                        slice.Release();
                    }
                    buffer.BufferedBytes -= released;
                }
                buffer.InFlight = [];
            }
            Interlocked.Add(ref _bufferedTotal, -released);
            return error == Errno.ENOENT ? Errno.Ok : error;
        }
        finally
        {
            buffer.FlushLock.Release();
        }
    }

    /// <summary>Uploads the slices, grouped by chunk: all slices of one chunk go up as one piece of
    /// data under one new chunk ID (few objects for scattered small writes), then one command commits
    /// them all in write order.</summary>
    private async Task<Errno> UploadAndCommitAsync(ulong ino, List<DirtySlice> slices, ulong pendingEnd, long writtenAt)
    {
        var newSlices = new NewSlice[slices.Count];
        var uploads = new List<Task>();
        try
        {
            foreach (var group in slices.Select((slice, index) => (slice, index)).GroupBy(x => x.slice.ChunkIndex))
            {
                var members = group.ToList();
                var total = members.Sum(m => m.slice.Length);
                var chunkId = await chunkIds.NextAsync().ConfigureAwait(false);
                byte[]? joined = null;
                ReadOnlyMemory<byte> data;
                if (members.Count == 1)
                {
                    data = members[0].slice.Buffer.AsMemory(0, total);
                }
                else
                {
                    joined = ArrayPool<byte>.Shared.Rent(total);
                    var at = 0;
                    foreach (var (slice, _) in members)
                    {
                        slice.Data.CopyTo(joined.AsSpan(at));
                        at += slice.Length;
                    }
                    data = joined.AsMemory(0, total);
                }
                var dataOffset = 0u;
                foreach (var (slice, index) in members)
                {
                    newSlices[index] = new NewSlice(slice.ChunkIndex, new SliceRecord(chunkId, slice.Pos, (uint)slice.Length, dataOffset, (uint)total));
                    dataOffset += (uint)slice.Length;
                }
                uploads.Add(UploadBlocksAsync(ino, chunkId, data, joined));
            }
            await Task.WhenAll(uploads).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            await Task.WhenAll(uploads.Select(t => t.ContinueWith(_ => { }, TaskScheduler.Default))).ConfigureAwait(false);
            logger.LogError(e, "upload of inode {Ino} failed: {Message}", ino, e.Message);
            return Errno.EIO;
        }
        var result = await meta.ExecuteAsync(new CommitSlicesCommand
        {
            Ino = ino,
            Slices = [.. newSlices],
            MinLength = pendingEnd,
            NowNs = writtenAt, // mtime is when the data was written, not when it reached the store
        }).ConfigureAwait(false);
        if (!result.Ok && result.Error != Errno.ENOENT)
            logger.LogError("commit of {Count} slices of inode {Ino} failed: {Errno}", newSlices.Length, ino, result.Error);
        return result.Error;
    }

    private async Task UploadBlocksAsync(ulong ino, ulong chunkId, ReadOnlyMemory<byte> data, byte[]? rented)
    {
        try
        {
            var blockSize = (int)Fs.BlockSize;
            var puts = new List<Task>();
            for (var block = 0L; block * blockSize < data.Length; block++)
            {
                var start = (int)(block * blockSize);
                var piece = data.Slice(start, Math.Min(blockSize, data.Length - start));
                var key = ObjectKeyLayout.BlockKey(Fs.FsId, ino, chunkId, block);
                puts.Add(PutAsync(key, piece));
            }
            await Task.WhenAll(puts).ConfigureAwait(false);
        }
        finally
        {
            if (rented is not null) ArrayPool<byte>.Shared.Return(rented);
        }
    }

    private async Task PutAsync(string key, ReadOnlyMemory<byte> data)
    {
        await _requests.WaitAsync().ConfigureAwait(false);
        try
        {
            await store.PutAsync(key, data).ConfigureAwait(false);
        }
        finally
        {
            _requests.Release();
        }
    }
}
