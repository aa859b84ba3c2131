using CurveFs.Common.Fs;
using Microsoft.Extensions.Logging;

namespace CurveFs.Mount.Data;

// Read-ahead: a sequential reader's next blocks are fetched in the background into the block cache,
// so the reads that follow find them there (or join the fetch in flight).
public sealed partial class DataClient
{
    /// <summary>The largest read-ahead window: the configured maximum, but at most half the block
    /// cache, so blocks read ahead are not evicted before the reader gets to them.</summary>
    private long MaxReadAhead => Math.Min(options.ReadAheadMaxBytes, options.BlockCacheBytes / 2);

    private void ReadAhead(ulong ino, ReadPattern pattern, long offset, int count, ulong committedLength)
    {
        var (start, end) = pattern.OnRead(offset, count, Fs.BlockSize, MaxReadAhead);
        // Only committed data is read ahead: buffered writes are in memory already.
        end = Math.Min(end, (long)committedLength);
        if (start >= end || _readAheadStopped) return;
        _ = ReadAheadAsync(ino, start, (int)(end - start));
    }

    private async Task ReadAheadAsync(ulong ino, long offset, int length)
    {
        try
        {
            var pieces = new List<BlockPiece>();
            if (await PlanAsync(ino, offset, length, pieces).ConfigureAwait(false) != Errno.Ok) return;
            foreach (var piece in pieces)
            {
                if (piece.Key is not null) _ = GetBlockAsync(piece.Key, piece.BlockLength);
            }
        }
        catch (Exception e)
        {
            // Read-ahead is only a hint: the read itself fetches (and reports) whatever is missing.
            logger.LogWarning(e, "read-ahead of inode {Ino} at {Offset} failed: {Message}", ino, offset, e.Message);
        }
    }
}
