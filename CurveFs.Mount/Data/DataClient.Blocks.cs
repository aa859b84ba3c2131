using CurveFs.Common.Fs;
using CurveFs.Mount.Data.DiskCache;
using CurveFs.Mount.ObjectStore;
using Microsoft.Extensions.Logging;

namespace CurveFs.Mount.Data;

// Getting whole blocks: from the memory cache, the disk cache or the object store, with one request per
// block however many readers (and read-ahead) want it at once.
public sealed partial class DataClient
{
    private readonly Dictionary<string, TaskCompletionSource<Result<byte[]>>> _fetching = new(StringComparer.Ordinal);
    private volatile bool _readAheadStopped;

    /// <summary>Object GETs this client has issued (tests and diagnostics).</summary>
    public long BlockFetches => Interlocked.Read(ref _blockFetches);
    private long _blockFetches;

    /// <summary>Bytes held by the memory block cache (never more than <see cref="DataClientOptions.BlockCacheBytes"/>).</summary>
    public long CachedBytes => _blocks.Size;

    /// <summary>The local disk cache, when this mount has one.</summary>
    public DiskBlockCache? DiskCache => diskCache;

    /// <summary>A whole block: cached, already being fetched (then the same task), or fetched now.
    /// Keys name immutable objects (a new upload always gets a new chunk ID), so a cached block is never stale.</summary>
    private Task<Result<byte[]>> GetBlockAsync(string key, int length)
    {
        if (_blocks.TryGet(key) is { } cached) return Task.FromResult<Result<byte[]>>(cached);
        TaskCompletionSource<Result<byte[]>> fetch;
        lock (_fetching)
        {
            if (_fetching.TryGetValue(key, out var running)) return running.Task;
            // A fetch may have finished between the cache check and the lock.
            if (_blocks.TryGet(key) is { } late) return Task.FromResult<Result<byte[]>>(late);
            fetch = new TaskCompletionSource<Result<byte[]>>(TaskCreationOptions.RunContinuationsAsynchronously);
            _fetching[key] = fetch;
        }
        _ = FetchIntoCacheAsync(key, length, fetch);
        return fetch.Task;
    }

    private async Task FetchIntoCacheAsync(string key, int length, TaskCompletionSource<Result<byte[]>> fetch)
    {
        Result<byte[]> result;
        try
        {
            result = await LoadBlockAsync(key, length).ConfigureAwait(false);
            if (result.Ok) _blocks.Add(key, result.Value);
        }
        catch (Exception e)
        {
            logger.LogError(e, "fetching block {Key} failed: {Message}", key, e.Message);
            result = Errno.EIO;
        }
        // Cached before it leaves the in-flight table, so a reader always finds it in one of the two.
        lock (_fetching) _fetching.Remove(key);
        fetch.SetResult(result);
    }

    /// <summary>From the disk cache when it has a valid copy, else from the store (then offered to the disk
    /// cache, written in the background).</summary>
    private async ValueTask<Result<byte[]>> LoadBlockAsync(string key, int length)
    {
        if (diskCache is null) return await FetchBlockAsync(key, length).ConfigureAwait(false);
        if (await diskCache.TryReadAsync(key, length).ConfigureAwait(false) is { } local) return local;
        var fetched = await FetchBlockAsync(key, length).ConfigureAwait(false);
        if (fetched.Ok) diskCache.Offer(key, fetched.Value);
        return fetched;
    }

    private async ValueTask<Result<byte[]>> FetchBlockAsync(string key, int length)
    {
        var data = new byte[length];
        var error = await GetRangeAsync(key, 0, data).ConfigureAwait(false);
        return error == Errno.Ok ? data : error;
    }

    /// <summary>Whether a random read should fetch only its range of this piece's block: the block is neither
    /// cached nor on its way, the memory cache is full (caching it would evict another) and no disk cache
    /// could serve or keep it.</summary>
    private bool ShouldReadRange(BlockPiece piece)
    {
        if (diskCache is not null || _blocks.HasRoomFor(piece.BlockLength) || _blocks.TryGet(piece.Key!) is not null) return false;
        lock (_fetching) return !_fetching.ContainsKey(piece.Key!);
    }

    /// <summary>Reads bytes [offset, offset + destination.Length) of an object from the store (one GET, within
    /// the request limit). ENOENT when the object does not exist, EIO on any other failure (logged).</summary>
    private async ValueTask<Errno> GetRangeAsync(string key, int offset, Memory<byte> destination)
    {
        await _requests.WaitAsync().ConfigureAwait(false);
        try
        {
            Interlocked.Increment(ref _blockFetches);
            var read = await store.GetAsync(key, offset, destination).ConfigureAwait(false);
            if (read != destination.Length)
            {
                logger.LogError("object {Key} returned {Read} bytes at {Offset}, expected {Length}", key, read, offset, destination.Length);
                return Errno.EIO;
            }
            return Errno.Ok;
        }
        catch (ObjectNotFoundException)
        {
            // The read plans again from a fresh slice list (compaction may have replaced it) and reports EIO if that fails too.
            logger.LogWarning("object {Key} is missing from {Store}", key, store.Description);
            return Errno.ENOENT;
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

    /// <summary>Waits for every block fetch in flight at the time of the call (read-ahead included).</summary>
    public async Task WaitForFetchesAsync()
    {
        Task[] running;
        lock (_fetching) running = _fetching.Values.Select(f => (Task)f.Task).ToArray();
        await Task.WhenAll(running).ConfigureAwait(false);
    }

    /// <summary>Stops read-ahead and waits for the fetches in flight, so nothing touches the store after shutdown.</summary>
    public Task StopReadAheadAsync()
    {
        _readAheadStopped = true;
        return WaitForFetchesAsync();
    }
}
