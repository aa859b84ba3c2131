using MessagePack;
using Errno = CurveFs.Common.Fs.Errno;

namespace CurveFs.Common.Meta;

/// <summary>
/// A read-only metadata request, as it travels over RPC to a copyset (the embedded mode calls the
/// query functions directly). Union tags are part of the wire format: never reuse or renumber one.
/// </summary>
[Union(0, typeof(LookupQuery))]
[Union(1, typeof(GetAttrQuery))]
[Union(2, typeof(ReadDirQuery))]
[Union(3, typeof(GetXattrQuery))]
[Union(4, typeof(ListXattrQuery))]
[Union(5, typeof(GetSlicesQuery))]
[Union(6, typeof(UsageQuery))]
[Union(7, typeof(OrphansQuery))]
[Union(8, typeof(TrashQuery))]
[Union(9, typeof(FsByNameQuery))]
[Union(10, typeof(PartitionsQuery))]
[Union(11, typeof(DigestQuery))]
[Union(12, typeof(TxStatusQuery))]
[Union(13, typeof(DentryQuery))]
[Union(14, typeof(ScanQuery))]
public abstract class MetaQuery
{
    [Key(0)] public uint FsId { get; set; }
}

[MessagePackObject]
public sealed class LookupQuery : MetaQuery
{
    [Key(1)] public ulong Parent { get; set; }
    [Key(2)] public byte[] Name { get; set; } = [];
    [Key(3)] public Caller Caller { get; set; } = Caller.Root;
}

[MessagePackObject]
public sealed class GetAttrQuery : MetaQuery
{
    [Key(1)] public ulong Ino { get; set; }
}

[MessagePackObject]
public sealed class ReadDirQuery : MetaQuery
{
    [Key(1)] public ulong Dir { get; set; }
    [Key(2)] public byte[]? StartAfter { get; set; }
    [Key(3)] public int Limit { get; set; } = 1000;
    [Key(4)] public bool WithAttrs { get; set; }
}

[MessagePackObject]
public sealed class GetXattrQuery : MetaQuery
{
    [Key(1)] public ulong Ino { get; set; }
    [Key(2)] public string Name { get; set; } = "";
    [Key(3)] public Caller Caller { get; set; } = Caller.Root;
}

[MessagePackObject]
public sealed class ListXattrQuery : MetaQuery
{
    [Key(1)] public ulong Ino { get; set; }
    [Key(2)] public Caller Caller { get; set; } = Caller.Root;
}

[MessagePackObject]
public sealed class GetSlicesQuery : MetaQuery
{
    [Key(1)] public ulong Ino { get; set; }
    [Key(2)] public ulong ChunkIndex { get; set; }
}

/// <summary>Inode count and used bytes of the filesystem's partitions in this copyset.</summary>
[MessagePackObject]
public sealed class UsageQuery : MetaQuery;

[MessagePackObject]
public sealed class OrphansQuery : MetaQuery
{
    [Key(1)] public int Limit { get; set; } = 10_000;
}

[MessagePackObject]
public sealed class TrashQuery : MetaQuery
{
    [Key(1)] public int Limit { get; set; } = 100;
}

/// <summary>The filesystem record with this name (clusters without an MDS keep it under F:).</summary>
[MessagePackObject]
public sealed class FsByNameQuery : MetaQuery
{
    [Key(1)] public string Name { get; set; } = "";
}

[MessagePackObject]
public sealed class PartitionsQuery : MetaQuery;

/// <summary>A digest of the whole KV state of the copyset (every filesystem): replicas compare it.</summary>
[MessagePackObject]
public sealed class DigestQuery : MetaQuery;

/// <summary>Raw pairs of the copyset's KV in [From, To), at most Limit (fsck reads the whole state page by page).</summary>
[MessagePackObject]
public sealed class ScanQuery : MetaQuery
{
    [Key(1)] public byte[] From { get; set; } = [];
    [Key(2)] public byte[] To { get; set; } = [];
    [Key(3)] public int Limit { get; set; } = 1000;
}

/// <summary>One raw KV pair.</summary>
[MessagePackObject]
public sealed record KvPair([property: Key(0)] byte[] Key, [property: Key(1)] byte[] Value);

/// <summary>A trash entry: its key and record.</summary>
[MessagePackObject]
public sealed record TrashEntry([property: Key(0)] byte[] Key, [property: Key(1)] TrashRecord Record);

/// <summary>The answer to a query: an errno, or the field that query fills.</summary>
[MessagePackObject]
public sealed class QueryResult
{
    [Key(0)] public Errno Error { get; set; }
    [Key(1)] public InodeRecord? Inode { get; set; }
    [Key(2)] public List<DirEntryRecord>? Entries { get; set; }
    [Key(3)] public byte[]? Value { get; set; }
    [Key(4)] public List<string>? Names { get; set; }
    [Key(5)] public List<SequencedSlice>? Slices { get; set; }
    [Key(6)] public long Inodes { get; set; }
    [Key(7)] public long UsedBytes { get; set; }
    [Key(8)] public List<ulong>? Inos { get; set; }
    [Key(9)] public List<TrashEntry>? Trash { get; set; }
    [Key(10)] public FsInfo? Fs { get; set; }
    [Key(11)] public List<PartitionRecord>? Partitions { get; set; }
    /// <summary>For DigestQuery: number of keys and a hash of every pair.</summary>
    [Key(12)] public string? Digest { get; set; }
    /// <summary>With EAGAIN: the key the query needed is locked by this transaction.</summary>
    [Key(13)] public TxLock? LockedBy { get; set; }
    /// <summary>For TxStatusQuery: the transaction record.</summary>
    [Key(14)] public TxRecord? Tx { get; set; }
    /// <summary>For DentryQuery: the entry (child inode and type).</summary>
    [Key(15)] public DentryValue? Dentry { get; set; }
    /// <summary>For ScanQuery: the pairs.</summary>
    [Key(16)] public List<KvPair>? Pairs { get; set; }

    [IgnoreMember] public bool Ok => Error == Errno.Ok;

    public static QueryResult Fail(Errno error) => new() { Error = error };
}
