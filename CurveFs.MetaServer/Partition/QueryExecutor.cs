using System.Security.Cryptography;
using CurveFs.Common.Fs;
using CurveFs.Common.Meta;
using CurveFs.MetaServer.Storage;

namespace CurveFs.MetaServer.Partition;

/// <summary>Runs a <see cref="MetaQuery"/> that came over RPC against a copyset's state.</summary>
public static class QueryExecutor
{
    public static QueryResult Run(IKvReader kv, MetaQuery query)
    {
        if (query is TxStatusQuery status)
            return kv.Get(MetaKeys.TxKey(status.TxId)) is { } record ? new QueryResult { Tx = MetaCodec.Decode<TxRecord>(record) } : QueryResult.Fail(Errno.ENOENT);
        if (query is ScanQuery scan)
            return new QueryResult { Pairs = kv.Scan(scan.From, scan.To, Math.Clamp(scan.Limit, 1, 10_000)).Select(p => new KvPair(p.Key, p.Value)).ToList() };
        if (query is DigestQuery || !LockCheckingKv.AnyLocks(kv)) return RunUnlocked(kv, query);
        try
        {
            return RunUnlocked(new LockCheckingKv(kv), query);
        }
        catch (KeyLockedException locked)
        {
            return new QueryResult { Error = Errno.EAGAIN, LockedBy = locked.Lock };
        }
    }

    private static QueryResult RunUnlocked(IKvReader kv, MetaQuery query)
    {
        var fs = query.FsId;
        switch (query)
        {
            case LookupQuery q:
                var found = MetaQueries.Lookup(kv, fs, q.Parent, q.Name, q.Caller);
                // The child lives in another copyset: hand back the dentry, the client asks there.
                if (found.Error == Errno.EXDEV) return new QueryResult { Error = Errno.EXDEV, Dentry = MetaStore.LoadDentry(kv, fs, q.Parent, q.Name) };
                return Of(found);
            case DentryQuery q:
                var dir = MetaStore.LoadInode(kv, fs, q.Parent);
                if (dir is null) return QueryResult.Fail(Errno.ENOENT);
                if (!dir.IsDirectory) return QueryResult.Fail(Errno.ENOTDIR);
                var access = Permissions.Check(dir, q.Caller, AccessMask.Execute);
                if (access != Errno.Ok) return QueryResult.Fail(access);
                if (q.Name.Length > Limits.NameMax) return QueryResult.Fail(Errno.ENAMETOOLONG);
                return MetaStore.LoadDentry(kv, fs, q.Parent, q.Name) is { } dentry ? new QueryResult { Dentry = dentry } : QueryResult.Fail(Errno.ENOENT);
            case GetAttrQuery q:
                return Of(MetaQueries.GetAttr(kv, fs, q.Ino));
            case ReadDirQuery q:
                var entries = MetaQueries.ReadDir(kv, fs, q.Dir, q.StartAfter, Math.Clamp(q.Limit, 1, 10_000), q.WithAttrs);
                return entries.Ok ? new QueryResult { Entries = entries.Value } : QueryResult.Fail(entries.Error);
            case GetXattrQuery q:
                var value = MetaQueries.GetXattr(kv, fs, q.Ino, q.Name, q.Caller);
                return value.Ok ? new QueryResult { Value = value.Value } : QueryResult.Fail(value.Error);
            case ListXattrQuery q:
                var names = MetaQueries.ListXattr(kv, fs, q.Ino, q.Caller);
                return names.Ok ? new QueryResult { Names = names.Value } : QueryResult.Fail(names.Error);
            case GetSlicesQuery q:
                return new QueryResult { Slices = MetaQueries.GetSlices(kv, fs, q.Ino, q.ChunkIndex) };
            case UsageQuery:
                var usage = MetaQueries.Usage(kv, fs);
                return new QueryResult { Inodes = usage.Inodes, UsedBytes = usage.UsedBytes };
            case OrphansQuery q:
                return new QueryResult { Inos = MetaQueries.Orphans(kv, fs, q.Limit) };
            case TrashQuery q:
                return new QueryResult { Trash = MetaQueries.Trash(kv, fs, q.Limit).Select(t => new TrashEntry(t.Key, t.Record)).ToList() };
            case FsByNameQuery q:
                foreach (var pair in kv.ScanPrefix(MetaKeys.FsPrefix()))
                {
                    var info = MetaCodec.Decode<FsInfo>(pair.Value);
                    if (info.Name == q.Name) return new QueryResult { Fs = info };
                }
                return QueryResult.Fail(Errno.ENOENT);
            case PartitionsQuery:
                return new QueryResult { Partitions = MetaStore.LoadPartitions(kv, fs) };
            case DigestQuery:
                return new QueryResult { Digest = Digest(kv) };
            default:
                return QueryResult.Fail(Errno.ENOSYS);
        }
    }

    private static QueryResult Of(Result<InodeRecord> result) => result.Ok ? new QueryResult { Inode = result.Value } : QueryResult.Fail(result.Error);

    /// <summary>"{count}:{sha256 of every key and value in order}": equal on replicas with equal state.</summary>
    public static string Digest(IKvReader kv)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var count = 0;
        Span<byte> length = stackalloc byte[4];
        foreach (var pair in kv.Scan([0], [0xFF, 0xFF]))
        {
            System.Buffers.Binary.BinaryPrimitives.WriteInt32LittleEndian(length, pair.Key.Length);
            hash.AppendData(length);
            hash.AppendData(pair.Key);
            System.Buffers.Binary.BinaryPrimitives.WriteInt32LittleEndian(length, pair.Value.Length);
            hash.AppendData(length);
            hash.AppendData(pair.Value);
            count++;
        }
        return $"{count}:{Convert.ToHexString(hash.GetHashAndReset())}";
    }
}
