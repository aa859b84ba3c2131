namespace CurveFs.Mount.Data.DiskCache;

/// <summary>
/// Which blocks the disk cache holds, by file (relative path), least recently used first, with their
/// sizes on disk. Kept in memory only: rebuilt from the directory at open, ordered by the files' mtimes,
/// which a hit moves forward (at most once a minute per file, <see cref="ShouldTouchFile"/>).
/// </summary>
internal sealed class DiskCacheIndex(long capacityBytes)
{
    /// <summary>How stale a file's mtime may get before a hit refreshes it (it only orders a rebuilt index).</summary>
    private static readonly TimeSpan TouchInterval = TimeSpan.FromMinutes(1);

    private readonly object _lock = new();
    private readonly Dictionary<string, LinkedListNode<Entry>> _map = new(StringComparer.Ordinal);
    private readonly LinkedList<Entry> _lru = new();
    private long _size;

    private sealed class Entry(string path, long size, DateTime touchedUtc)
    {
        public string Path { get; } = path;
        public long Size { get; } = size;
        public DateTime TouchedUtc { get; set; } = touchedUtc;
    }

    public long Size { get { lock (_lock) return _size; } }
    public int Count { get { lock (_lock) return _map.Count; } }
    public long Capacity => capacityBytes;

    public bool Contains(string path)
    {
        lock (_lock) return _map.ContainsKey(path);
    }

    /// <summary>Marks a file as just used. <paramref name="touchFile"/> says whether its mtime should be
    /// moved forward too (so the order survives a remount).</summary>
    public bool Touch(string path, DateTime nowUtc, out bool touchFile)
    {
        touchFile = false;
        lock (_lock)
        {
            if (!_map.TryGetValue(path, out var node)) return false;
            _lru.Remove(node);
            _lru.AddLast(node);
            touchFile = ShouldTouchFile(node.Value.TouchedUtc, nowUtc);
            if (touchFile) node.Value.TouchedUtc = nowUtc;
            return true;
        }
    }

    private static bool ShouldTouchFile(DateTime lastUtc, DateTime nowUtc) => nowUtc - lastUtc >= TouchInterval;

    /// <summary>Adds (or replaces) a file as the most recently used one and returns the files to delete to
    /// get back within the capacity, least recently used first.</summary>
    public List<string> Add(string path, long size, DateTime touchedUtc)
    {
        lock (_lock)
        {
            RemoveLocked(path);
            _map[path] = _lru.AddLast(new Entry(path, size, touchedUtc));
            _size += size;
            var victims = new List<string>();
            while (_size > capacityBytes && _lru.First is { } oldest)
            {
                victims.Add(oldest.Value.Path);
                RemoveLocked(oldest.Value.Path);
            }
            return victims;
        }
    }

    /// <summary>Forgets least recently used files until at least <paramref name="bytes"/> are freed (or none
    /// is left) and returns them, to delete, with the bytes they hold.</summary>
    public List<string> EvictOldest(long bytes, out long freed)
    {
        lock (_lock)
        {
            var victims = new List<string>();
            for (freed = 0; freed < bytes && _lru.First is { } oldest; freed += oldest.Value.Size)
            {
                victims.Add(oldest.Value.Path);
                RemoveLocked(oldest.Value.Path);
            }
            return victims;
        }
    }

    public void Remove(string path)
    {
        lock (_lock) RemoveLocked(path);
    }

    private void RemoveLocked(string path)
    {
        if (!_map.Remove(path, out var node)) return;
        _lru.Remove(node);
        _size -= node.Value.Size;
    }
}
