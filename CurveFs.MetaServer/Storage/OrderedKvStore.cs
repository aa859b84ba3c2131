namespace CurveFs.MetaServer.Storage;

/// <summary>
/// The in-memory ordered KV store of a copyset: a hash map for point reads plus a sorted set of keys
/// for range scans. Not thread-safe: the copyset host serializes writers and excludes readers while
/// it applies a command.
/// </summary>
public sealed class OrderedKvStore : IKvReader
{
    private readonly Dictionary<byte[], byte[]> _values = new(ByteKeyComparer.Instance);
    private readonly SortedSet<byte[]> _keys = new(ByteKeyComparer.Instance);

    public int Count => _values.Count;

    public byte[]? Get(byte[] key) => _values.GetValueOrDefault(key);

    public List<KeyValuePair<byte[], byte[]>> Scan(byte[] from, byte[] to, int limit = int.MaxValue)
    {
        var result = new List<KeyValuePair<byte[], byte[]>>();
        if (limit <= 0 || ByteKeyComparer.Instance.Compare(from, to) >= 0) return result;
        foreach (var key in _keys.GetViewBetween(from, to))
        {
            // GetViewBetween includes the upper bound; the range is half-open.
            if (ByteKeyComparer.Instance.Compare(key, to) >= 0) break;
            result.Add(new(key, _values[key]));
            if (result.Count >= limit) break;
        }
        return result;
    }

    /// <summary>Stores value under key and returns the value it replaced (null if none).</summary>
    public byte[]? Put(byte[] key, byte[] value)
    {
        if (_values.TryGetValue(key, out var old))
        {
            _values[key] = value;
            return old;
        }
        _values.Add(key, value);
        _keys.Add(key);
        return null;
    }

    /// <summary>Removes key and returns the value it had (null if none).</summary>
    public byte[]? Delete(byte[] key)
    {
        if (!_values.Remove(key, out var old)) return null;
        _keys.Remove(key);
        return old;
    }

    public void Clear()
    {
        _values.Clear();
        _keys.Clear();
    }

    /// <summary>All pairs in key order. Values are immutable arrays, so a copied array of pairs is a
    /// consistent snapshot that can be written out after the caller releases its lock.</summary>
    public KeyValuePair<byte[], byte[]>[] CopyPairs()
    {
        var pairs = new KeyValuePair<byte[], byte[]>[_keys.Count];
        var i = 0;
        foreach (var key in _keys) pairs[i++] = new(key, _values[key]);
        return pairs;
    }
}
