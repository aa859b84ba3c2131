using CurveFs.Common.Meta;

namespace CurveFs.MetaServer.Storage;

/// <summary>A key the operation needed is locked by a prepared cross-copyset transaction.</summary>
public sealed class KeyLockedException(TxLock lockInfo)
    : Exception($"key locked by transaction {lockInfo.TxId} (primary copyset {lockInfo.PrimaryCopyset})")
{
    public TxLock Lock { get; } = lockInfo;
}

/// <summary>
/// Wraps the KV of a command or query so that touching a key (or scanning a range) locked by a prepared
/// transaction throws <see cref="KeyLockedException"/>: nobody acts on, or reads, half of a
/// cross-copyset operation. Hosts only wrap when the copyset holds any lock at all.
/// </summary>
public sealed class LockCheckingKv(IKvReader reader, IKvTransaction? writer = null) : IKvTransaction
{
    public byte[]? Get(byte[] key)
    {
        Check(key);
        return reader.Get(key);
    }

    public List<KeyValuePair<byte[], byte[]>> Scan(byte[] from, byte[] to, int limit = int.MaxValue)
    {
        var locks = reader.Scan(MetaKeys.LockKey(from), MetaKeys.LockKey(to), 1);
        if (locks.Count > 0) throw new KeyLockedException(MetaCodec.Decode<TxLock>(locks[0].Value));
        return reader.Scan(from, to, limit);
    }

    public void Put(byte[] key, byte[] value)
    {
        Check(key);
        (writer ?? throw new InvalidOperationException("read-only")).Put(key, value);
    }

    public void Delete(byte[] key)
    {
        Check(key);
        (writer ?? throw new InvalidOperationException("read-only")).Delete(key);
    }

    private void Check(byte[] key)
    {
        if (reader.Get(MetaKeys.LockKey(key)) is { } value) throw new KeyLockedException(MetaCodec.Decode<TxLock>(value));
    }

    /// <summary>Whether any key of the store is locked (then operations must go through this wrapper).</summary>
    public static bool AnyLocks(IKvReader kv) => kv.ScanPrefix(MetaKeys.LockPrefix(), 1).Count > 0;
}
