using System.Text;
using CurveFs.Common.Fs;
using CurveFs.Common.Meta;
using CurveFs.MetaServer.Storage;

namespace CurveFs.MetaServer.Partition;

/// <summary>Usage figures for statfs.</summary>
public readonly record struct FsUsage(long Inodes, long UsedBytes);

/// <summary>
/// Read-only metadata operations over a copyset's KV state (lookup, getattr, readdir, xattrs, slices).
/// They never change state, so they skip the log; the host runs them under its read lock (and, with
/// Raft, after a read barrier).
/// </summary>
public static class MetaQueries
{
    /// <returns>The child, or EXDEV when the dentry exists but the child lives in another copyset (ask there).</returns>
    public static Result<InodeRecord> Lookup(IKvReader kv, uint fs, ulong parent, ReadOnlySpan<byte> name, Caller caller)
    {
        var dir = MetaStore.LoadInode(kv, fs, parent);
        if (dir is null) return Errno.ENOENT;
        if (!dir.IsDirectory) return Errno.ENOTDIR;
        var error = Permissions.Check(dir, caller, AccessMask.Execute);
        if (error != Errno.Ok) return error;
        if (name.Length > Limits.NameMax) return Errno.ENAMETOOLONG;
        if (name.Length == 1 && name[0] == '.') return dir;
        if (name.Length == 2 && name[0] == '.' && name[1] == '.')
            return MetaStore.LoadInode(kv, fs, dir.Parents.Count > 0 ? dir.Parents[0] : Limits.RootInode) is { } up ? up : Errno.ENOENT;
        if (MetaStore.LoadDentry(kv, fs, parent, name) is not { } entry) return Errno.ENOENT;
        return MetaStore.LoadInode(kv, fs, entry.Ino) is { } child ? child : MetaStore.MissingInode(kv, fs, entry.Ino);
    }

    public static Result<InodeRecord> GetAttr(IKvReader kv, uint fs, ulong ino) =>
        MetaStore.LoadInode(kv, fs, ino) is { } inode ? inode : Errno.ENOENT;

    /// <summary>Entries of a directory in name order, starting after startAfter (null: from the first),
    /// at most limit, with their attributes when withAttrs.</summary>
    public static Result<List<DirEntryRecord>> ReadDir(IKvReader kv, uint fs, ulong dirIno, byte[]? startAfter, int limit, bool withAttrs)
    {
        var dir = MetaStore.LoadInode(kv, fs, dirIno);
        if (dir is null) return Errno.ENOENT;
        if (!dir.IsDirectory) return Errno.ENOTDIR;
        var prefix = MetaKeys.DentryPrefix(fs, dirIno);
        byte[] from = prefix;
        if (startAfter is not null)
        {
            // The smallest key after prefix+startAfter is prefix+startAfter+0x00.
            from = [.. MetaKeys.DentryKey(fs, dirIno, startAfter), 0];
        }
        var list = new List<DirEntryRecord>();
        foreach (var pair in kv.Scan(from, MetaKeys.PrefixEnd(prefix), limit))
        {
            var name = pair.Key.AsSpan(prefix.Length).ToArray();
            var entry = MetaCodec.Decode<DentryValue>(pair.Value);
            var attr = withAttrs ? MetaStore.LoadInode(kv, fs, entry.Ino) : null;
            list.Add(new DirEntryRecord(name, entry.Ino, entry.Type, attr));
        }
        return list;
    }

    public static Result<byte[]> GetXattr(IKvReader kv, uint fs, ulong ino, string name, Caller caller)
    {
        var inode = MetaStore.LoadInode(kv, fs, ino);
        if (inode is null) return Errno.ENOENT;
        var error = MetaStateMachine.ValidateXattrName(name);
        if (error != Errno.Ok) return error;
        if ((error = MetaStateMachine.XattrPermission(inode, caller, name, write: false)) != Errno.Ok) return error;
        if (inode.XattrCount == 0) return Errno.ENODATA;
        return kv.Get(MetaKeys.XattrKey(fs, ino, name)) is { } value ? value : Errno.ENODATA;
    }

    /// <summary>The extended attribute names of an inode (trusted.* only for root), in name order.</summary>
    public static Result<List<string>> ListXattr(IKvReader kv, uint fs, ulong ino, Caller caller)
    {
        var inode = MetaStore.LoadInode(kv, fs, ino);
        if (inode is null) return Errno.ENOENT;
        var names = new List<string>();
        if (inode.XattrCount == 0) return names;
        var prefix = MetaKeys.XattrPrefix(fs, ino);
        foreach (var pair in kv.ScanPrefix(prefix))
        {
            var name = Encoding.UTF8.GetString(pair.Key.AsSpan(prefix.Length));
            if (!caller.IsRoot && name.StartsWith("trusted.", StringComparison.Ordinal)) continue;
            names.Add(name);
        }
        return names;
    }

    /// <summary>Slices of one chunk of a file, oldest first (the reader lets later ones win).</summary>
    public static List<SequencedSlice> GetSlices(IKvReader kv, uint fs, ulong ino, ulong chunkIndex) =>
        MetaStore.LoadChunkSlices(kv, fs, ino, chunkIndex);

    public static FsUsage Usage(IKvReader kv, uint fs)
    {
        long inodes = 0, bytes = 0;
        foreach (var partition in MetaStore.LoadPartitions(kv, fs))
        {
            inodes += partition.InodeCount;
            bytes += partition.UsedBytes;
        }
        return new FsUsage(inodes, bytes);
    }

    /// <summary>Inodes whose last link is gone but whose data was kept (open handles at the time).</summary>
    public static List<ulong> Orphans(IKvReader kv, uint fs, int limit = int.MaxValue)
    {
        var list = new List<ulong>();
        foreach (var pair in kv.ScanPrefix(MetaKeys.OrphanPrefix(fs), limit)) list.Add(MetaKeys.LastNumber(pair.Key));
        return list;
    }

    /// <summary>Queued object deletions: (trash key, record).</summary>
    public static List<(byte[] Key, TrashRecord Record)> Trash(IKvReader kv, uint fs, int limit)
    {
        var list = new List<(byte[], TrashRecord)>();
        foreach (var pair in kv.ScanPrefix(MetaKeys.TrashPrefix(fs), limit)) list.Add((pair.Key, MetaCodec.Decode<TrashRecord>(pair.Value)));
        return list;
    }
}
