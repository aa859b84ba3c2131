namespace CurveFs.Mds.Etcd;

/// <summary>
/// An etcd operation failed. The message names the etcd endpoints, the operation and the key, and what to
/// check: "etcd at 127.0.0.1:2379 did not answer (get /curvefs/chunkid) within 2 s: is etcd running?".
/// <see cref="Unreachable"/> tells "no answer" (down, partitioned, too slow) from a refusal by a live etcd.
/// The MDS answers either with <c>Unavailable</c>: the operation may be retried once etcd is back.
/// </summary>
public sealed class EtcdException(string message, bool unreachable, Exception? inner = null) : Exception(message, inner)
{
    /// <summary>True when etcd did not answer at all (connection refused, deadline passed).</summary>
    public bool Unreachable { get; } = unreachable;
}
