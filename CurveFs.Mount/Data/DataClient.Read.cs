using CurveFs.Common.Fs;
using CurveFs.Common.Meta;
using CurveFs.Mount.ObjectStore;
using Microsoft.Extensions.Logging;

namespace CurveFs.Mount.Data;

// The read path: committed slices (newest wins) from the object store, then buffered writes on top.
public sealed partial class DataClient
{
    /// <summary>Reads file bytes at offset into destination; returns how many (short at end of file).</summary>
    /// <param name="committedLength">the file length the metadata service knows; buffered writes may extend it.</param>
    public async ValueTask<Result<int>> ReadAsync(ulong ino, long offset, Memory<byte> destination, ulong committedLength)
    {
        if (offset < 0) return Errno.EINVAL;
        _buffers.TryGetValue(ino, out var buffer);
        for (var attempt = 0; ; attempt++)
        {
            long version = 0;
            var length = committedLength;
            if (buffer is not null)
            {
                lock (buffer.Lock)
                {
                    version = buffer.CommitVersion;
                    length = Math.Max(length, buffer.PendingEnd);
                }
            }
            if ((ulong)offset >= length) return 0;
            var count = (int)Math.Min((ulong)destination.Length, length - (ulong)offset);
            var target = destination[..count];
            var error = await ReadCommittedAsync(ino, offset, target).ConfigureAwait(false);
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

    private async ValueTask<Errno> ReadCommittedAsync(ulong ino, long offset, Memory<byte> target)
    {
        var chunkSize = (long)Fs.ChunkSize;
        var done = 0;
        while (done < target.Length)
        {
            var position = offset + done;
            var chunkIndex = (ulong)(position / chunkSize);
            var pos = (uint)(position % chunkSize);
            var take = (int)Math.Min(target.Length - done, chunkSize - pos);
            var slices = await GetSlicesAsync(ino, chunkIndex).ConfigureAwait(false);
            if (!slices.Ok) return slices.Error;
            foreach (var segment in SliceMap.Resolve(slices.Value, pos, pos + (uint)take))
            {
                var piece = target.Slice(done + (int)(segment.Start - pos), (int)(segment.End - segment.Start));
                if (segment.IsHole)
                {
                    piece.Span.Clear();
                    continue;
                }
                var slice = segment.Slice!;
                var dataOffset = (long)slice.DataOffset + (segment.Start - slice.Pos);
                var error = await ReadSliceDataAsync(ino, slice, dataOffset, piece).ConfigureAwait(false);
                if (error != Errno.Ok) return error;
            }
            done += take;
        }
        return Errno.Ok;
    }

    private async ValueTask<Result<List<SliceRecord>>> GetSlicesAsync(ulong ino, ulong chunkIndex)
    {
        if (_slices.TryGet(ino, chunkIndex, out var generation) is { } cached) return cached;
        var fetched = await meta.GetSlicesAsync(ino, chunkIndex).ConfigureAwait(false);
        if (!fetched.Ok) return fetched.Error;
        var list = fetched.Value.Select(s => s.Slice).ToList();
        _slices.Store(ino, chunkIndex, generation, list);
        return list;
    }

    /// <summary>Reads bytes [dataOffset, dataOffset + target.Length) of the data stored under a slice's chunk ID.</summary>
    private async ValueTask<Errno> ReadSliceDataAsync(ulong ino, SliceRecord slice, long dataOffset, Memory<byte> target)
    {
        var blockSize = (long)Fs.BlockSize;
        var done = 0;
        while (done < target.Length)
        {
            var at = dataOffset + done;
            var blockIndex = at / blockSize;
            var inBlock = (int)(at % blockSize);
            var key = ObjectKeyLayout.BlockKey(Fs.FsId, ino, slice.ChunkId, blockIndex, slice.Compaction);
            var blockLength = (int)Math.Min(blockSize, slice.DataSize - blockIndex * blockSize);
            var block = _blocks.TryGet(key);
            if (block is null)
            {
                var fetched = await FetchBlockAsync(key, blockLength).ConfigureAwait(false);
                if (!fetched.Ok) return fetched.Error;
                block = fetched.Value;
                _blocks.Add(key, block);
            }
            var take = Math.Min(target.Length - done, block.Length - inBlock);
            if (take <= 0)
            {
                logger.LogError("object {Key} is {Length} bytes, shorter than its slice says ({Expected})", key, block.Length, blockLength);
                return Errno.EIO;
            }
            block.AsSpan(inBlock, take).CopyTo(target.Span[done..]);
            done += take;
        }
        return Errno.Ok;
    }

    private async ValueTask<Result<byte[]>> FetchBlockAsync(string key, int length)
    {
        var data = new byte[length];
        await _requests.WaitAsync().ConfigureAwait(false);
        try
        {
            var read = await store.GetAsync(key, 0, data).ConfigureAwait(false);
            if (read != length)
            {
                logger.LogError("object {Key} returned {Read} bytes, expected {Length}", key, read, length);
                return Errno.EIO;
            }
            return data;
        }
        catch (ObjectNotFoundException)
        {
            logger.LogError("object {Key} is missing from {Store}: data of this file is lost or was deleted too early", key, store.Description);
            return Errno.EIO;
        }
        catch (Exception e)
        {
            logger.LogError(e, "reading object {Key} from {Store} failed: {Message}", key, store.Description, e.Message);
            return Errno.EIO;
        }
        finally
        {
            _requests.Release();
        }
    }
}
