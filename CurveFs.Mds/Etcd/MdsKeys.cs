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
/// {prefix}metaserver/{name}        JSON MetaServerRecord: name, rpcEndpoint,  MetaServerRegistry: on a metaserver's first
///                                  copysets (IDs), online,                    registration, when what it reports changes,
///                                  registeredUnixMs, lastHeartbeatUnixMs      when it goes offline or online, and every
///                                                                             30 s of heartbeats (the rest is in memory)
/// {prefix}copyset/{id:D10}         JSON CopysetRecord: copysetId, endpoints   MetaServerRegistry: when a registration
///                                  (members' RPC addresses), reportedBy,      reports a new copyset or other members
///                                  updatedUnixMs
/// {prefix}partitionid/{fsId:D10}   decimal: the next partition ID of the      PartitionTable, CAS on mod revision, in the
///                                  filesystem (absent = 1)                    transaction that adds the partition
/// {prefix}partition/{fsId:D10}/{partitionId:D10}
///                                  JSON PartitionAssignment: fsId,            PartitionTable: added (created = false)
///                                  partitionId, start, end, copysetId,        with the counter, then created = true once
///                                  status (readWrite/readOnly), created,      the copyset applied it; status changes;
///                                  createdUnixMs                              each a CAS on the key's mod revision
/// {prefix}sessionid                decimal: the next session ID (absent = 1)  SessionTable, CAS on mod revision
/// {prefix}session/{id:D20}         JSON SessionRecord: sessionId, fsId, host, SessionTable: put with the counter; the
///                                  mountPoint, pid, leaseSeconds,             heartbeat at most every lease/3; expiring
///                                  openedUnixMs, lastHeartbeatUnixNs,         set before the copysets are told; deleted
///                                  expiring                                   after; each a CAS on the mod revision
/// </code>
/// IDs are zero-padded to 10 digits (session IDs, 64-bit, to 20) so keys sort in ID order. Names are 1-128
/// characters of [A-Za-z0-9._-], so they never contain '/'.
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
    public string FsById(uint fsId) => FsByIdPrefix + Id(fsId);
    public string Leader => Prefix + "mds/leader";

    public string MetaServerPrefix => Prefix + "metaserver/";
    public string MetaServer(string name) => MetaServerPrefix + name;
    public string CopysetPrefix => Prefix + "copyset/";
    public string Copyset(uint copysetId) => CopysetPrefix + Id(copysetId);
    public string PartitionIdCounter(uint fsId) => Prefix + "partitionid/" + Id(fsId);
    /// <summary>Every partition of every filesystem.</summary>
    public string PartitionsPrefix => Prefix + "partition/";
    /// <summary>Every partition of one filesystem.</summary>
    public string PartitionPrefix(uint fsId) => PartitionsPrefix + Id(fsId) + "/";
    public string Partition(uint fsId, uint partitionId) => PartitionPrefix(fsId) + Id(partitionId);
    public string SessionIdCounter => Prefix + "sessionid";
    public string SessionPrefix => Prefix + "session/";
    public string Session(ulong sessionId) => SessionPrefix + sessionId.ToString("D20", CultureInfo.InvariantCulture);

    private static string Id(uint id) => id.ToString("D10", CultureInfo.InvariantCulture);

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
