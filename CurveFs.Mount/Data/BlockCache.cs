namespace CurveFs.Mount.Data;

/// <summary>
/// A memory cache of whole data objects (blocks), least recently used out first, bounded in bytes.
/// Objects are immutable, so an entry never goes stale; entries of deleted objects just age out.
/// </summary>
public sealed class BlockCache(long capacityBytes)
{
    private readonly object _lock = new();
    private readonly Dictionary<string, LinkedListNode<(string Key, byte[] Data)>> _map = new(StringComparer.Ordinal);
    private readonly LinkedList<(string Key, byte[] Data)> _lru = new();
    private long _size;

    public long Size { get { lock (_lock) return _size; } }

    /// <summary>Whether an object of this many bytes would fit without evicting anything.</summary>
    public bool HasRoomFor(long bytes)
    {
        lock (_lock) return _size + bytes <= capacityBytes;
    }

    public byte[]? TryGet(string key)
    {
        lock (_lock)
        {
            if (!_map.TryGetValue(key, out var node)) return null;
            _lru.Remove(node);
            _lru.AddFirst(node);
            return node.Value.Data;
        }
    }

    public void Add(string key, byte[] data)
    {
        if (data.Length > capacityBytes) return;
        lock (_lock)
        {
            if (_map.TryGetValue(key, out var existing))
            {
                _lru.Remove(existing);
                _size -= existing.Value.Data.Length;
            }
            var node = _lru.AddFirst((key, data));
            _map[key] = node;
            _size += data.Length;
            while (_size > capacityBytes && _lru.Last is { } last)
            {
                _lru.RemoveLast();
                _map.Remove(last.Value.Key);
                _size -= last.Value.Data.Length;
            }
        }
    }
}
