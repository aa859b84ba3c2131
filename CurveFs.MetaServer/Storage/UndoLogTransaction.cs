namespace CurveFs.MetaServer.Storage;

/// <summary>
/// A transaction that writes straight into an <see cref="OrderedKvStore"/> and remembers the old
/// values, so a failed command can be rolled back. Reads see the transaction's own writes for free.
/// </summary>
public sealed class UndoLogTransaction(OrderedKvStore store) : IKvTransaction
{
    private readonly List<(byte[] Key, byte[]? OldValue)> _undo = [];

    public bool HasChanges => _undo.Count > 0;

    public byte[]? Get(byte[] key) => store.Get(key);

    public List<KeyValuePair<byte[], byte[]>> Scan(byte[] from, byte[] to, int limit = int.MaxValue) => store.Scan(from, to, limit);

    public void Put(byte[] key, byte[] value) => _undo.Add((key, store.Put(key, value)));

    public void Delete(byte[] key)
    {
        var old = store.Delete(key);
        if (old is not null) _undo.Add((key, old));
    }

    /// <summary>Keeps the changes.</summary>
    public void Commit() => _undo.Clear();

    /// <summary>Restores every value this transaction changed, newest change first.</summary>
    public void Rollback()
    {
        for (var i = _undo.Count - 1; i >= 0; i--)
        {
            var (key, old) = _undo[i];
            if (old is null) store.Delete(key);
            else store.Put(key, old);
        }
        _undo.Clear();
    }
}
