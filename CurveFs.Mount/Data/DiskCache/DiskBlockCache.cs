using System.Numerics;
using System.Threading.Channels;
using CurveFs.Common.Meta;
using Microsoft.Extensions.Logging;

namespace CurveFs.Mount.Data.DiskCache;

/// <summary>
/// Blocks of committed data kept on a local disk across mounts (<c>--disk-cache DIR</c>), under
/// <c>DIR/{filesystem UUID}/</c> (a UUID, not the name or fs ID: a filesystem created again gets a new one,
/// so blocks of its predecessor, which had the same object keys, are never served). One file per block,
/// checksummed (<see cref="DiskCacheFile"/>); least recently used out first beyond the size limit.
/// Blocks are written in the background after a fetch from the object store; a read never waits for a
/// write, and when more than <see cref="DataClientOptions.DiskCacheWriteQueueBytes"/> wait, new ones are
/// not cached. A lock file keeps a second process off the directory. See docs/caching.md.
/// </summary>
public sealed class DiskBlockCache : IAsyncDisposable
{
    private const string LockFileName = "lock";
    /// <summary>The HResult of the IOException .NET throws when another holder has the file's flock: on Linux
    /// it is the errno, EWOULDBLOCK.</summary>
    private const int LockHeld = 11;

    private readonly string _root;
    private readonly DiskCacheIndex _index;
    private readonly FileStream _lock;
    private readonly ILogger _logger;
    private readonly long _queueLimit;
    private readonly double _freeRatio;
    private readonly Func<string, (long Available, long Total)> _diskSpace;
    private readonly Channel<(string Key, byte[] Data)> _queue = Channel.CreateUnbounded<(string, byte[])>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Task _writer;
    private long _queuedBytes;
    private long _spaceEvictions;
    private long _hits, _misses, _corrupt, _written, _skipped, _skippedForSpace, _evicted, _errors;

    private DiskBlockCache(string root, FileStream lockFile, DiskCacheIndex index, DataClientOptions options, ILogger logger)
    {
        _root = root;
        _lock = lockFile;
        _index = index;
        _queueLimit = options.DiskCacheWriteQueueBytes;
        _freeRatio = options.DiskCacheFreeRatio;
        _diskSpace = options.DiskSpace;
        _logger = logger;
        _writer = Task.Run(WriteLoopAsync);
    }

    /// <summary>The directory of this filesystem's blocks, DIR/{uuid}.</summary>
    public string Directory => _root;
    public long UsedBytes => _index.Size;
    public int Files => _index.Count;
    public long CapacityBytes => _index.Capacity;
    /// <summary>Blocks read from disk instead of the object store.</summary>
    public long Hits => Interlocked.Read(ref _hits);
    public long Misses => Interlocked.Read(ref _misses);
    /// <summary>Files that failed their checksum (deleted, and the block fetched from the store).</summary>
    public long CorruptFiles => Interlocked.Read(ref _corrupt);
    public long Written => Interlocked.Read(ref _written);
    /// <summary>Blocks not cached because the write queue was full.</summary>
    public long Skipped => Interlocked.Read(ref _skipped);
    /// <summary>Blocks not cached because the disk was short of free space even after evicting.</summary>
    public long SkippedForSpace => Interlocked.Read(ref _skippedForSpace);
    public long Evicted => Interlocked.Read(ref _evicted);

    /// <summary>
    /// Opens the disk cache of <paramref name="fs"/> under <see cref="DataClientOptions.DiskCacheDir"/>, or
    /// returns null (and logs why) when the filesystem has no UUID or another process uses the directory.
    /// </summary>
    /// <exception cref="IOException">the directory cannot be created or read; the message names it.</exception>
    public static DiskBlockCache? Open(DataClientOptions options, FsInfo fs, ILogger logger)
    {
        var dir = options.DiskCacheDir ?? throw new ArgumentException("no disk cache directory given", nameof(options));
        if (!Guid.TryParseExact(fs.Uuid, "N", out _))
        {
            logger.LogWarning("the disk cache ({Dir}) is off: filesystem {Name} has no UUID (it was created before filesystems had one), " +
                "so blocks cached for it could not be told from those of a filesystem created again under the same name", dir, fs.Name);
            return null;
        }
        var root = Path.Combine(Path.GetFullPath(dir), fs.Uuid);
        try
        {
            // 0700: the files are file data, readable only by the mount's user.
            System.IO.Directory.CreateDirectory(root, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new IOException($"cannot create the disk cache directory {root}: {e.Message} (check that it is writable, or mount without --disk-cache)", e);
        }
        FileStream lockFile;
        try
        {
            lockFile = new FileStream(Path.Combine(root, LockFileName), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException e) when (e.HResult == LockHeld)
        {
            logger.LogWarning("the disk cache {Dir} is in use by another curvefs process; this mount runs without it (give it another --disk-cache directory)", root);
            return null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new IOException($"cannot lock the disk cache directory {root}: {e.Message} (check that it is writable, or mount without --disk-cache)", e);
        }
        try
        {
            var index = new DiskCacheIndex(options.DiskCacheBytes);
            var (files, bytes, evicted) = Scan(root, index, logger);
            logger.LogInformation("disk cache {Dir}: {Files} blocks, {Bytes} bytes of {Capacity}{Evicted}", root, files, bytes, options.DiskCacheBytes,
                evicted > 0 ? $" ({evicted} evicted to fit the size limit)" : "");
            return new DiskBlockCache(root, lockFile, index, options, logger);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            lockFile.Dispose();
            throw new IOException($"cannot read the disk cache directory {root}: {e.Message} (check its permissions, or mount without --disk-cache)", e);
        }
    }

    /// <summary>Rebuilds the index from the files, oldest mtime first; deletes temporary files a crash left
    /// and what exceeds the size limit (it may have been lowered).</summary>
    private static (int Files, long Bytes, int Evicted) Scan(string root, DiskCacheIndex index, ILogger logger)
    {
        var found = new List<(string Path, long Size, DateTime Mtime)>();
        foreach (var fanOut in new DirectoryInfo(root).EnumerateDirectories())
        {
            foreach (var file in fanOut.EnumerateFiles())
            {
                if (file.Name.EndsWith(DiskCacheFile.TempExtension, StringComparison.Ordinal)) DiskCacheFile.TryDelete(file.FullName);
                else if (file.Name.EndsWith(DiskCacheFile.Extension, StringComparison.Ordinal))
                    found.Add((Path.Combine(fanOut.Name, file.Name), file.Length, file.LastWriteTimeUtc));
            }
        }
        found.Sort((a, b) => a.Mtime.CompareTo(b.Mtime));
        var evicted = 0;
        foreach (var (path, size, mtime) in found)
        {
            foreach (var victim in index.Add(path, size, mtime))
            {
                DiskCacheFile.TryDelete(Path.Combine(root, victim));
                evicted++;
            }
        }
        if (evicted > 0) logger.LogInformation("disk cache {Dir}: evicted {Count} blocks beyond the size limit", root, evicted);
        return (index.Count, index.Size, evicted);
    }

    /// <summary>The block of <paramref name="key"/> when this cache holds a valid copy of it, otherwise null.
    /// A file that fails its checksum is deleted (the caller fetches the block from the store).</summary>
    public async Task<byte[]?> TryReadAsync(string key, int length)
    {
        var relative = DiskCacheFile.RelativePath(key);
        var now = DateTime.UtcNow;
        if (!_index.Touch(relative, now, out var touchFile))
        {
            Interlocked.Increment(ref _misses);
            return null;
        }
        var path = Path.Combine(_root, relative);
        try
        {
            var (status, data) = await DiskCacheFile.ReadAsync(path, key, length).ConfigureAwait(false);
            switch (status)
            {
                case DiskCacheFile.ReadStatus.Ok:
                    Interlocked.Increment(ref _hits);
                    if (touchFile) TryTouch(path, now);
                    return data;
                case DiskCacheFile.ReadStatus.Corrupt:
                    Interlocked.Increment(ref _corrupt);
                    _logger.LogWarning("disk cache file {Path} of object {Key} failed its checksum (torn write or disk error); deleted, reading the object from the store", path, key);
                    _index.Remove(relative);
                    DiskCacheFile.TryDelete(path);
                    break;
                default:
                    // Deleted behind our back (by hand, or a disk cleaner).
                    _index.Remove(relative);
                    break;
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            LogError(e, "reading", path);
            _index.Remove(relative);
        }
        Interlocked.Increment(ref _misses);
        return null;
    }

    /// <summary>Queues a block just fetched from the object store for writing; never waits. Dropped when it
    /// is cached already or the queue is full.</summary>
    public void Offer(string key, byte[] data)
    {
        if (!TryQueueRoom(data.Length)) return;
        if (!_queue.Writer.TryWrite((key, data))) Interlocked.Add(ref _queuedBytes, -data.Length);
    }

    /// <summary>Queues a copy of a block this mount just uploaded (write-through), like <see cref="Offer"/>;
    /// copies only when the queue takes it, because the caller's buffer goes back once the upload commits.</summary>
    public void OfferCopy(string key, ReadOnlyMemory<byte> data)
    {
        if (!TryQueueRoom(data.Length)) return;
        if (!_queue.Writer.TryWrite((key, data.ToArray()))) Interlocked.Add(ref _queuedBytes, -data.Length);
    }

    /// <summary>Counts a block of <paramref name="length"/> bytes into the write queue, or says it does not fit.</summary>
    private bool TryQueueRoom(int length)
    {
        if (length + DiskCacheFile.TrailerLength > _index.Capacity) return false;
        if (Interlocked.Add(ref _queuedBytes, length) <= _queueLimit) return true;
        Interlocked.Add(ref _queuedBytes, -length);
        Interlocked.Increment(ref _skipped);
        return false;
    }

    /// <summary>Waits until every block queued so far is written (tests).</summary>
    public async Task WaitForWritesAsync()
    {
        while (Interlocked.Read(ref _queuedBytes) > 0) await Task.Delay(5).ConfigureAwait(false);
    }

    private async Task WriteLoopAsync()
    {
        await foreach (var (key, data) in _queue.Reader.ReadAllAsync().ConfigureAwait(false))
        {
            try
            {
                await WriteAsync(key, data).ConfigureAwait(false);
            }
            finally
            {
                Interlocked.Add(ref _queuedBytes, -data.Length);
            }
        }
    }

    private async Task WriteAsync(string key, byte[] data)
    {
        var relative = DiskCacheFile.RelativePath(key);
        if (_index.Contains(relative)) return;
        if (!MakeRoomOnDisk(data.Length + DiskCacheFile.TrailerLength))
        {
            Interlocked.Increment(ref _skippedForSpace);
            return;
        }
        var path = Path.Combine(_root, relative);
        try
        {
            await DiskCacheFile.WriteAsync(path, key, data).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            LogError(e, "writing", path);
            return;
        }
        Interlocked.Increment(ref _written);
        DeleteEvicted(_index.Add(relative, data.Length + DiskCacheFile.TrailerLength, DateTime.UtcNow));
    }

    /// <summary>Whether a file of <paramref name="bytes"/> fits while the disk keeps its free share; evicts the
    /// least recently used blocks to make it fit. Other programs fill the disk too: the size limit alone
    /// does not keep the cache from taking the last free bytes.</summary>
    private bool MakeRoomOnDisk(long bytes)
    {
        long shortBy;
        try
        {
            var (available, total) = _diskSpace(_root);
            shortBy = bytes + (long)(total * _freeRatio) - available;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException)
        {
            LogError(e, "checking free space of", _root);
            return false;
        }
        if (shortBy <= 0) return true;
        var victims = _index.EvictOldest(shortBy, out var freed);
        DeleteEvicted(victims);
        if (victims.Count > 0 && BitOperations.IsPow2(Interlocked.Increment(ref _spaceEvictions)))
            _logger.LogWarning("disk cache {Dir}: the disk is short of free space (keeping {Ratio:P0} free); evicted {Count} blocks", _root, _freeRatio, victims.Count);
        return freed >= shortBy;
    }

    /// <summary>Deletes the files the index evicted and counts them.</summary>
    private void DeleteEvicted(IEnumerable<string> victims)
    {
        foreach (var victim in victims)
        {
            DiskCacheFile.TryDelete(Path.Combine(_root, victim));
            Interlocked.Increment(ref _evicted);
        }
    }

    private static void TryTouch(string path, DateTime nowUtc)
    {
        try
        {
            File.SetLastWriteTimeUtc(path, nowUtc);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Only the order after a remount suffers.
        }
    }

    /// <summary>Disk errors are logged at the 1st, 2nd, 4th, 8th ... occurrence, so a failing disk does not flood the log.</summary>
    private void LogError(Exception e, string what, string path)
    {
        var count = Interlocked.Increment(ref _errors);
        if (BitOperations.IsPow2(count))
            _logger.LogWarning("disk cache: {What} {Path} failed ({Count} errors so far): {Message}; the block is read from the object store instead", what, path, count, e.Message);
    }

    /// <summary>Writes what is queued, then releases the directory.</summary>
    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await _writer.ConfigureAwait(false);
        await _lock.DisposeAsync().ConfigureAwait(false);
    }
}
