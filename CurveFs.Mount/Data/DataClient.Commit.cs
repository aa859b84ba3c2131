using CurveFs.Common.Fs;
using CurveFs.Common.Meta;
using Microsoft.Extensions.Logging;

namespace CurveFs.Mount.Data;

// Committing uploaded pieces as slices, in write order, and flushing a file (fsync, close, setattr).
public sealed partial class DataClient
{
    private static readonly TimeSpan CommitRetryDelay = TimeSpan.FromSeconds(1);

    /// <summary>Uploads what is still dirty, waits for the file's uploads in flight and commits them.
    /// Returns when the data is in the object store and its slices are committed, or with EIO when an
    /// upload failed (the data stays buffered and is retried) or the commit's errno.</summary>
    public async ValueTask<Errno> FlushAsync(ulong ino)
    {
        if (!_buffers.TryGetValue(ino, out var buffer)) return Errno.Ok;
        await buffer.FlushLock.WaitAsync().ConfigureAwait(false);
        try
        {
            List<UploadPiece> sealedNow;
            List<UploadPiece> pending;
            lock (buffer.Lock)
            {
                if (buffer.Discarded) return Errno.Ok;
                sealedNow = SealPrefix(buffer, buffer.Dirty.Count);
                pending = [.. buffer.Pieces];
            }
            StartUploads(buffer, sealedNow);
            var failed = 0;
            foreach (var piece in pending)
            {
                if (!await WaitUploadedAsync(buffer, piece).ConfigureAwait(false)) failed++;
            }
            if (failed > 0)
            {
                logger.LogError("flush of inode {Ino}: {Failed} of {Count} uploads failed (logged above); reporting EIO, the data stays buffered and is retried",
                    ino, failed, pending.Count);
                return Errno.EIO;
            }
            var error = await CommitUploadedAsync(buffer).ConfigureAwait(false);
            return error == Errno.ENOENT ? Errno.Ok : error;
        }
        finally
        {
            buffer.FlushLock.Release();
        }
    }

    /// <summary>Commits the uploaded pieces at the front of the queue, oldest first, in one command per
    /// round: the commit order gives the slice seqs, so a newer overwrite lands after the data it shadows.
    /// Pieces behind one still uploading wait for it.</summary>
    private async Task<Errno> CommitUploadedAsync(InodeWriteBuffer buffer)
    {
        await buffer.CommitLock.WaitAsync().ConfigureAwait(false);
        try
        {
            while (true)
            {
                var ready = new List<UploadPiece>();
                long writtenAt;
                lock (buffer.Lock)
                {
                    if (buffer.Discarded) return Errno.Ok;
                    foreach (var piece in buffer.Pieces)
                    {
                        if (piece.State != PieceState.Uploaded) break;
                        ready.Add(piece);
                    }
                    writtenAt = buffer.LastWriteNs;
                }
                if (ready.Count == 0) return Errno.Ok;
                var slices = new List<NewSlice>();
                ulong end = 0;
                foreach (var piece in ready)
                {
                    slices.AddRange(piece.Records());
                    end = Math.Max(end, piece.EndInFile(Fs.ChunkSize));
                }
                var result = await meta.ExecuteAsync(new CommitSlicesCommand
                {
                    Ino = buffer.Ino,
                    Slices = slices,
                    MinLength = end,
                    NowNs = writtenAt, // mtime is when the data was written, not when it reached the store
                }).ConfigureAwait(false);
                if (!result.Ok && result.Error != Errno.ENOENT)
                {
                    logger.LogError("commit of {Count} slices of inode {Ino} failed: {Errno}; the data stays buffered and the commit is retried", slices.Count, buffer.Ino, result.Error);
                    return result.Error;
                }
                // Committed, or the inode is gone (deleted and purged) and nothing can ever read this data.
                lock (buffer.Lock)
                {
                    if (!buffer.Discarded) buffer.Pieces.RemoveRange(0, ready.Count);
                    foreach (var piece in ready) ReleasePiece(piece);
                    buffer.CommitVersion++;
                    // Inside the lock: a reader that sees the new version must not find the old slice list cached.
                    _slices.Invalidate(buffer.Ino);
                    NoteCommitted(buffer, slices);
                    if (buffer.IsEmpty) buffer.PendingEnd = 0;
                }
            }
        }
        finally
        {
            buffer.CommitLock.Release();
        }
    }

    /// <summary>Commits after a background upload; when the metadata service fails, tries again later
    /// (one retry loop per file), so the budget comes back once it is reachable again.</summary>
    private async Task CommitInBackgroundAsync(InodeWriteBuffer buffer)
    {
        try
        {
            while (await CommitUploadedAsync(buffer).ConfigureAwait(false) != Errno.Ok)
            {
                lock (buffer.Lock)
                {
                    if (buffer.CommitRetrying || buffer.Discarded) return;
                    buffer.CommitRetrying = true;
                }
                await Task.Delay(CommitRetryDelay).ConfigureAwait(false);
                lock (buffer.Lock) buffer.CommitRetrying = false;
            }
        }
        catch (Exception e)
        {
            logger.LogError(e, "background commit of inode {Ino} failed: {Message}", buffer.Ino, e.Message);
        }
    }
}
