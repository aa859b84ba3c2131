using System.Globalization;

namespace CurveFs.Mds.Etcd;

/// <summary>
/// The MDS's keys in etcd, all under one configurable prefix (default <c>/curvefs/</c>), so several clusters
/// (or tests) can share one etcd. Values are UTF-8 text so <c>etcdctl get --prefix /curvefs/</c> shows them.
/// <code>
/// key                              value                                      written by
/// {prefix}chunkid                  decimal: the first chunk ID not reserved   EtcdChunkIdAllocator (CAS on mod revision)
///                                  yet (absent = 1: IDs start at 1)
/// {prefix}fsid                     decimal: the next filesystem ID            FsStore.CreateAsync (CAS on mod revision)
///                                  (absent = 1)
/// {prefix}fs/name/{name}           decimal: the filesystem's ID               FsStore (with fs/id/ in one transaction)
/// {prefix}fs/id/{id:D10}           JSON FsRecord: info (fsId, name, chunk     FsStore
///                                  and block size, capacity), s3 (endpoint,
///                                  bucket, access key, secret key, region,
///                                  key prefix), createdUnixMs
/// {prefix}mds/leader               JSON LeaderRecord: name, rpcEndpoint,      LeaderElection: put-if-absent bound to the
///                                  leaseId, electedUnixMs                     leader's lease; vanishes with the lease
/// </code>
/// IDs are zero-padded to 10 digits so keys sort in ID order. Names are 1-128 characters of
/// [A-Za-z0-9._-], so they never contain '/'.
/// </summary>
public sealed class MdsKeys(string prefix)
{
    public const string DefaultPrefix = "/curvefs/";

    public string Prefix { get; } = Validate(prefix);

    public string ChunkIdCounter => Prefix + "chunkid";
    public string FsIdCounter => Prefix + "fsid";
    public string FsByNamePrefix => Prefix + "fs/name/";
    public string FsByIdPrefix => Prefix + "fs/id/";
    public string FsByName(string name) => FsByNamePrefix + name;
    public string FsById(uint fsId) => FsByIdPrefix + fsId.ToString("D10", CultureInfo.InvariantCulture);
    public string Leader => Prefix + "mds/leader";

    private static string Validate(string prefix)
    {
        if (string.IsNullOrEmpty(prefix) || !prefix.StartsWith('/') || !prefix.EndsWith('/'))
            throw new ArgumentException($"key prefix '{prefix}' must start and end with '/' (e.g. {DefaultPrefix})");
        return prefix;
    }

    /// <summary>A counter's value: decimal text; an absent key means <paramref name="absent"/>.</summary>
    public static ulong ParseCounter(EtcdKeyValue? kv, ulong absent)
    {
        if (kv is null) return absent;
        if (!ulong.TryParse(kv.ValueText, NumberStyles.None, CultureInfo.InvariantCulture, out var value) || value == 0)
            throw new InvalidDataException($"etcd key {kv.Key} holds '{kv.ValueText}', not a positive decimal counter: " +
                "restore it, or set it above every ID in use (docs/mds.md). Reusing IDs would corrupt data.");
        return value;
    }

    public static string FormatCounter(ulong value) => value.ToString(CultureInfo.InvariantCulture);
}
