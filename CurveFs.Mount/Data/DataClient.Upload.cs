using System.Buffers;
using Microsoft.Extensions.Logging;

namespace CurveFs.Mount.Data;

// The write path, second half: sealed pieces upload in the background, in parallel (bounded by
// MaxConcurrentRequests). A failed upload keeps its data and is retried with a growing backoff; the
// file's next flush retries it at once and reports EIO if it fails again.
public sealed partial class DataClient
{
    private void StartUploads(InodeWriteBuffer buffer, List<UploadPiece> pieces)
    {
        foreach (var piece in pieces) _ = UploadInBackgroundAsync(buffer, piece);
    }

    private async Task UploadInBackgroundAsync(InodeWriteBuffer buffer, UploadPiece piece)
    {
        var delay = options.UploadRetryDelay;
        while (true)
        {
            var ok = await TryUploadAsync(buffer.Ino, piece).ConfigureAwait(false);
            TaskCompletionSource<bool> attempt;
            CancellationTokenSource? backoff = null;
            bool discarded;
            lock (buffer.Lock)
            {
                attempt = piece.Attempt;
                discarded = buffer.Discarded;
                if (discarded) ReleasePiece(piece);
                else if (ok) piece.State = PieceState.Uploaded;
                else
                {
                    piece.State = PieceState.Failed;
                    piece.Attempt = UploadPiece.NewAttempt();
                    piece.Backoff = backoff = new CancellationTokenSource();
                }
            }
            attempt.SetResult(ok || discarded);
            if (discarded) return;
            if (ok)
            {
                await CommitInBackgroundAsync(buffer).ConfigureAwait(false);
                return;
            }
            try
            {
                await Task.Delay(delay, backoff!.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                // A flush wants the outcome now, or the inode was discarded.
            }
            lock (buffer.Lock)
            {
                piece.Backoff = null;
                discarded = buffer.Discarded;
                if (discarded) ReleasePiece(piece);
                else piece.State = PieceState.Uploading;
            }
            backoff!.Dispose();
            if (discarded)
            {
                piece.Attempt.TrySetResult(true);
                return;
            }
            delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, options.UploadRetryMaxDelay.Ticks));
        }
    }

    /// <summary>Waits until a piece is in the object store; a piece waiting to retry is retried now.
    /// False when that attempt failed.</summary>
    private async Task<bool> WaitUploadedAsync(InodeWriteBuffer buffer, UploadPiece piece)
    {
        Task<bool> attempt;
        CancellationTokenSource? backoff;
        lock (buffer.Lock)
        {
            if (piece.Released || piece.State == PieceState.Uploaded) return true;
            attempt = piece.Attempt.Task;
            backoff = piece.State == PieceState.Failed ? piece.Backoff : null;
        }
        try
        {
            backoff?.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // The retry started on its own meanwhile.
        }
        return await attempt.ConfigureAwait(false);
    }

    /// <summary>Uploads a piece's data under its chunk ID, cut into blocks that go up in parallel.</summary>
    private async Task<bool> TryUploadAsync(ulong ino, UploadPiece piece)
    {
        byte[]? joined = null;
        try
        {
            if (piece.ChunkId == 0) piece.ChunkId = await chunkIds.NextAsync().ConfigureAwait(false);
            ReadOnlyMemory<byte> data;
            if (piece.Slices.Count == 1)
            {
                data = piece.Slices[0].Buffer.AsMemory(0, piece.Length);
            }
            else
            {
                joined = ArrayPool<byte>.Shared.Rent(piece.Length);
                var at = 0;
                foreach (var slice in piece.Slices)
                {
                    slice.Data.CopyTo(joined.AsSpan(at));
                    at += slice.Length;
                }
                data = joined.AsMemory(0, piece.Length);
            }
            await PutBlocksAsync(ino, piece.ChunkId, 0, data).ConfigureAwait(false);
            return true;
        }
        catch (Exception e)
        {
            logger.LogError(e, "uploading {Length} bytes of inode {Ino} (chunk ID {ChunkId}) to {Store} failed: {Message}; the data stays buffered and is retried, and the file's next fsync or close reports EIO until it succeeds",
                piece.Length, ino, piece.ChunkId, store.Description, e.Message);
            return false;
        }
        finally
        {
            if (joined is not null) ArrayPool<byte>.Shared.Return(joined);
        }
    }

    /// <summary>Puts data as the blocks of a chunk ID (block i holds bytes [i * blockSize, (i + 1) * blockSize)),
    /// in parallel; throws when a put fails.</summary>
    private async Task PutBlocksAsync(ulong ino, ulong chunkId, uint compaction, ReadOnlyMemory<byte> data)
    {
        var blockSize = (int)Fs.BlockSize;
        var puts = new List<Task>();
        for (var block = 0L; block * blockSize < data.Length; block++)
        {
            var start = (int)(block * blockSize);
            var key = ObjectKeyLayout.BlockKey(Fs.FsId, ino, chunkId, block, compaction);
            puts.Add(PutAsync(key, data.Slice(start, Math.Min(blockSize, data.Length - start))));
        }
        await Task.WhenAll(puts).ConfigureAwait(false);
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
        // Write-through: what a mount writes is often read again soon (build outputs, a copy then verified,
        // the same files after a remount), so the disk cache gets it without a GET.
        diskCache?.OfferCopy(key, data);
    }

    /// <summary>Gives a piece's buffers and budget back (committed, or its inode is gone). Call under the buffer's lock.</summary>
    private void ReleasePiece(UploadPiece piece)
    {
        if (piece.Released) return;
        piece.Released = true;
        foreach (var slice in piece.Slices) slice.Release();
        Interlocked.Add(ref _sealedTotal, -piece.Length);
        _budget.Release(piece.Length);
    }
}
