using System.Text;

namespace CurveFs.Mds.Etcd;

/// <summary>One key as etcd stores it. Revisions are etcd's (cluster-wide, increasing); Version counts
/// changes since the key was (re)created; Lease is 0 when the key is not bound to a lease.</summary>
public sealed record EtcdKeyValue(string Key, byte[] Value, long CreateRevision, long ModRevision, long Version, long Lease)
{
    public string ValueText => Encoding.UTF8.GetString(Value);
}

/// <summary>A condition of a transaction (etcd's Compare). Every one must hold for the success branch to run.</summary>
public abstract record EtcdCompare(string Key)
{
    /// <summary>The key does not exist (its create revision is 0).</summary>
    public static EtcdCompare Absent(string key) => new CreateRevisionIs(key, 0);

    /// <summary>The key was last changed at <paramref name="revision"/> (0: it does not exist).</summary>
    public static EtcdCompare ModRevision(string key, long revision) => new ModRevisionIs(key, revision);

    /// <summary>The key exists and is bound to <paramref name="lease"/> (a leader's fence).</summary>
    public static EtcdCompare Lease(string key, long lease) => new LeaseIs(key, lease);

    public sealed record CreateRevisionIs(string Key, long Revision) : EtcdCompare(Key);
    public sealed record ModRevisionIs(string Key, long Revision) : EtcdCompare(Key);
    public sealed record LeaseIs(string Key, long LeaseId) : EtcdCompare(Key);
}

/// <summary>An operation in a transaction branch.</summary>
public abstract record EtcdOp(string Key)
{
    public static EtcdOp Get(string key) => new GetOp(key);
    public static EtcdOp Put(string key, byte[] value, long lease = 0) => new PutOp(key, value, lease);
    public static EtcdOp Put(string key, string value, long lease = 0) => new PutOp(key, Encoding.UTF8.GetBytes(value), lease);
    public static EtcdOp Delete(string key) => new DeleteOp(key);
    /// <summary>Deletes every key starting with <paramref name="prefix"/>.</summary>
    public static EtcdOp DeletePrefix(string prefix) => new DeletePrefixOp(prefix);

    public sealed record GetOp(string Key) : EtcdOp(Key);
    public sealed record DeletePrefixOp(string Key) : EtcdOp(Key);
    public sealed record PutOp(string Key, byte[] Value, long Lease) : EtcdOp(Key);
    public sealed record DeleteOp(string Key) : EtcdOp(Key);
}

/// <summary>
/// What a transaction did: whether the comparisons held (<see cref="Succeeded"/>: the success branch ran;
/// otherwise the failure branch did), and for each <see cref="EtcdOp.GetOp"/> of the branch that ran, in
/// order, the key it read (null when absent). Callers must look at <see cref="Succeeded"/>: a transaction
/// whose comparisons failed is not an error.
/// </summary>
public sealed record EtcdTxnResult(bool Succeeded, long Revision, IReadOnlyList<EtcdKeyValue?> Reads);
