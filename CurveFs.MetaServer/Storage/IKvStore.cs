namespace CurveFs.MetaServer.Storage;

/// <summary>Read access to an ordered key/value store. Keys and values are never mutated after they are stored.</summary>
public interface IKvReader
{
    byte[]? Get(byte[] key);

    /// <summary>Pairs with from &lt;= key &lt; to, in key order, at most limit of them. The result is a
    /// materialized list, so callers may change the store while walking it.</summary>
    List<KeyValuePair<byte[], byte[]>> Scan(byte[] from, byte[] to, int limit = int.MaxValue);
}

/// <summary>A unit of change: a command's handler reads and writes through it, and the host then
/// commits or rolls back the whole unit.</summary>
public interface IKvTransaction : IKvReader
{
    void Put(byte[] key, byte[] value);
    void Delete(byte[] key);
}

public static class KvReaderExtensions
{
    /// <summary>Every pair whose key starts with prefix.</summary>
    public static List<KeyValuePair<byte[], byte[]>> ScanPrefix(this IKvReader kv, byte[] prefix, int limit = int.MaxValue) =>
        kv.Scan(prefix, Common.Meta.MetaKeys.PrefixEnd(prefix), limit);
}
