using System.Collections.Concurrent;
using CurveFs.Common.Fs;
using CurveFs.Common.Meta;
using CurveFs.Mount.Data.DiskCache;
using CurveFs.Mount.Meta;
using CurveFs.Mount.ObjectStore;
using Microsoft.Extensions.Logging;

namespace CurveFs.Mount.Data;

/// <summary>
/// File data of one mounted filesystem: buffers writes per inode, uploads them as blocks and commits
/// them as slices, and reads by resolving committed slices (newest wins) and overlaying what is
/// still buffered. See docs/data-layout.md. With a <paramref name="diskCache"/>, blocks missing from the
/// memory cache are looked up there before the object store (docs/caching.md); the caller owns it.
/// </summary>
public sealed partial class DataClient(
    IMetaClient meta, IObjectStore store, ChunkIdPool chunkIds, DataClientOptions options, ILogger logger, DiskBlockCache? diskCache = null)
{
    private readonly ConcurrentDictionary<ulong, InodeWriteBuffer> _buffers = new();
    private readonly SliceCache _slices = new();
    private readonly BlockCache _blocks = new(options.BlockCacheBytes);
    private readonly SemaphoreSlim _requests = new(options.MaxConcurrentRequests);
    private readonly WriteBudget _budget = new(options.WriteBudgetBytes);
    /// <summary>Bytes in dirty slices (still taking writes) and in sealed pieces (uploading or waiting to
    /// commit), across all files; together with writes being copied in they are what the budget holds.</summary>
    private long _dirtyTotal;
    private long _sealedTotal;

    private FsInfo Fs => meta.Fs;

    /// <summary>Bytes written and not yet committed, across all files (at most the write budget).</summary>
    public long BufferedBytes => _budget.Held;

    /// <summary>The end of the furthest uncommitted write of an inode, 0 when nothing is pending.</summary>
    public ulong PendingEnd(ulong ino)
    {
        if (!_buffers.TryGetValue(ino, out var buffer)) return 0;
        lock (buffer.Lock) return buffer.PendingEnd;
    }

    public bool HasPendingWrites(ulong ino)
    {
        if (!_buffers.TryGetValue(ino, out var buffer)) return false;
        lock (buffer.Lock) return !buffer.IsEmpty;
    }

    /// <summary>Drops cached slice lists of an inode (another client may have changed it, or it was truncated).</summary>
    public void Invalidate(ulong ino) => _slices.Invalidate(ino);

    /// <summary>Drops what reads cached of an inode when the metadata service reports another committed
    /// length than the cached one.</summary>
    public void RevalidateLength(ulong ino, ulong committedLength) => _slices.InvalidateIfLengthDiffers(ino, committedLength);

    /// <summary>Makes every uploaded object survive a machine crash; fsync calls it before it syncs the
    /// metadata that names them (the local-directory store defers its fsyncs to here).</summary>
    public async ValueTask<Errno> SyncObjectsAsync()
    {
        try
        {
            await store.SyncAsync().ConfigureAwait(false);
            return Errno.Ok;
        }
        catch (ObjectStoreException e)
        {
            logger.LogError(e, "{Message}", e.Message);
            return Errno.EIO;
        }
    }

    /// <summary>Forgets an inode with nothing pending (the kernel dropped it).</summary>
    public void Forget(ulong ino)
    {
        _slices.Remove(ino);
        if (_buffers.TryGetValue(ino, out var buffer))
        {
            lock (buffer.Lock)
            {
                if (buffer.IsEmpty) _buffers.TryRemove(new KeyValuePair<ulong, InodeWriteBuffer>(ino, buffer));
            }
        }
    }

    /// <summary>Flushes every file with buffered writes (unmount, sync).</summary>
    public async ValueTask<Errno> FlushAllAsync()
    {
        var result = Errno.Ok;
        foreach (var ino in _buffers.Keys)
        {
            var error = await FlushAsync(ino).ConfigureAwait(false);
            if (error != Errno.Ok) result = error;
        }
        return result;
    }

    /// <summary>Discards what is buffered for an inode that no longer exists. Uploads in flight finish
    /// first and then give their buffers back.</summary>
    public void Discard(ulong ino)
    {
        if (!_buffers.TryRemove(ino, out var buffer)) return;
        var backoffs = new List<CancellationTokenSource>();
        lock (buffer.Lock)
        {
            buffer.Discarded = true;
            foreach (var slice in buffer.Dirty) slice.Release();
            Interlocked.Add(ref _dirtyTotal, -buffer.DirtyBytes);
            _budget.Release(buffer.DirtyBytes);
            buffer.Dirty.Clear();
            buffer.DirtyBytes = 0;
            foreach (var piece in buffer.Pieces)
            {
                if (piece.State == PieceState.Uploaded) ReleasePiece(piece);
                else if (piece.State == PieceState.Failed && piece.Backoff is { } backoff) backoffs.Add(backoff);
                // Uploading: the upload loop releases it when the attempt ends.
            }
        }
        foreach (var backoff in backoffs)
        {
            try
            {
                backoff.Cancel();
            }
            catch (ObjectDisposedException)
            {
                // The retry started meanwhile; it sees Discarded when it ends.
            }
        }
        _slices.Remove(ino);
    }
}
