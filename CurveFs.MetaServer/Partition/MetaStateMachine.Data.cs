using CurveFs.Common.Fs;
using CurveFs.Common.Meta;
using CurveFs.MetaServer.Storage;

namespace CurveFs.MetaServer.Partition;

// File data bookkeeping: committing slices, truncation, fallocate, purging deleted inodes and the
// trash queue of objects to delete.
public sealed partial class MetaStateMachine
{
    private static MetaResult CommitSlices(IKvTransaction kv, CommitSlicesCommand c)
    {
        var inode = MetaStore.LoadInode(kv, c.FsId, c.Ino);
        if (inode is null) return MetaResult.Fail(Errno.ENOENT);
        if (!inode.IsRegular) return MetaResult.Fail(Errno.EINVAL);
        if (c.MinLength > (ulong)Limits.FileSizeMax) return MetaResult.Fail(Errno.EFBIG);
        var partition = MetaStore.PartitionOf(kv, c.FsId, c.Ino);
        foreach (var slice in c.Slices)
        {
            if (partition is not null && (ulong)slice.Slice.Pos + slice.Slice.Length > partition.ChunkSize) return MetaResult.Fail(Errno.EINVAL);
            kv.Put(MetaKeys.SliceKey(c.FsId, c.Ino, slice.ChunkIndex, inode.NextSliceSeq++), MetaCodec.Encode(slice.Slice));
        }
        if (c.MinLength > inode.Length) SetLength(kv, inode, c.MinLength, partition);
        inode.MtimeNs = c.NowNs;
        inode.CtimeNs = c.NowNs;
        MetaStore.StoreInode(kv, inode);
        return MetaResult.Of(inode);
    }

    /// <summary>Changes the length. Shrinking drops the slices of whole chunks past the new end (their
    /// objects go to the trash) and shadows the rest of the boundary chunk with a zero slice, so data
    /// beyond the end never reappears when the file grows again.</summary>
    private static void Truncate(IKvTransaction kv, InodeRecord inode, ulong newLength)
    {
        var partition = MetaStore.PartitionOf(kv, inode.FsId, inode.Ino);
        if (newLength < inode.Length)
        {
            var chunkSize = (ulong)(partition?.ChunkSize ?? (64u << 20));
            var firstWholeChunk = (newLength + chunkSize - 1) / chunkSize;
            DropSlicesFrom(kv, inode, firstWholeChunk);
            if (newLength % chunkSize != 0)
            {
                var chunkIndex = newLength / chunkSize;
                var chunkEnd = Math.Min(inode.Length, (chunkIndex + 1) * chunkSize);
                var pos = (uint)(newLength % chunkSize);
                var zero = new SliceRecord(0, pos, (uint)(chunkEnd - newLength), 0, 0);
                kv.Put(MetaKeys.SliceKey(inode.FsId, inode.Ino, chunkIndex, inode.NextSliceSeq++), MetaCodec.Encode(zero));
            }
        }
        SetLength(kv, inode, newLength, partition);
    }

    private static void SetLength(IKvTransaction kv, InodeRecord inode, ulong newLength, PartitionRecord? partition)
    {
        if (partition is not null)
        {
            partition.UsedBytes += (long)newLength - (long)inode.Length;
            MetaStore.StorePartition(kv, partition);
        }
        inode.Length = newLength;
    }

    /// <summary>Deletes every slice of chunks from firstChunk on and queues their objects for deletion.</summary>
    private static void DropSlicesFrom(IKvTransaction kv, InodeRecord inode, ulong firstChunk)
    {
        var from = MetaKeys.ChunkSlicePrefix(inode.FsId, inode.Ino, firstChunk);
        var to = MetaKeys.PrefixEnd(MetaKeys.SlicePrefix(inode.FsId, inode.Ino));
        var dropped = new List<SliceRecord>();
        foreach (var pair in kv.Scan(from, to))
        {
            var slice = MetaCodec.Decode<SliceRecord>(pair.Value);
            if (!slice.IsZero) dropped.Add(slice);
            kv.Delete(pair.Key);
        }
        if (dropped.Count > 0)
            kv.Put(MetaKeys.TrashKey(inode.FsId, inode.Ino, inode.NextSliceSeq++), MetaCodec.Encode(new TrashRecord(inode.Ino, dropped)));
    }

    private static MetaResult Fallocate(IKvTransaction kv, FallocateCommand c)
    {
        var inode = MetaStore.LoadInode(kv, c.FsId, c.Ino);
        if (inode is null) return MetaResult.Fail(Errno.ENOENT);
        if (inode.IsDirectory) return MetaResult.Fail(Errno.EISDIR);
        if (!inode.IsRegular) return MetaResult.Fail(Errno.ENODEV);
        var mode = c.Mode;
        const int known = FallocateCommand.KeepSize | FallocateCommand.PunchHole | FallocateCommand.ZeroRange;
        if ((mode & ~known) != 0) return MetaResult.Fail(Errno.EOPNOTSUPP);
        if ((mode & FallocateCommand.PunchHole) != 0 && (mode & FallocateCommand.KeepSize) == 0) return MetaResult.Fail(Errno.EINVAL);
        if ((mode & FallocateCommand.PunchHole) != 0 && (mode & FallocateCommand.ZeroRange) != 0) return MetaResult.Fail(Errno.EINVAL);
        var end = c.Offset + c.Length;
        if (c.Length == 0 || end < c.Offset || end > (ulong)Limits.FileSizeMax) return MetaResult.Fail(c.Length == 0 ? Errno.EINVAL : Errno.EFBIG);

        var partition = MetaStore.PartitionOf(kv, c.FsId, c.Ino);
        if ((mode & (FallocateCommand.PunchHole | FallocateCommand.ZeroRange)) != 0)
        {
            // Zero slices over the part of the range inside the file; beyond the end is a hole anyway.
            var zeroEnd = Math.Min(end, inode.Length);
            if (c.Offset < zeroEnd) AddZeroSlices(kv, inode, c.Offset, zeroEnd, partition?.ChunkSize ?? (64u << 20));
        }
        if ((mode & FallocateCommand.KeepSize) == 0 && end > inode.Length) SetLength(kv, inode, end, partition);
        inode.MtimeNs = c.NowNs;
        inode.CtimeNs = c.NowNs;
        MetaStore.StoreInode(kv, inode);
        return MetaResult.Of(inode);
    }

    private static void AddZeroSlices(IKvTransaction kv, InodeRecord inode, ulong from, ulong to, uint chunkSize)
    {
        while (from < to)
        {
            var chunkIndex = from / chunkSize;
            var chunkEnd = Math.Min(to, (chunkIndex + 1) * chunkSize);
            var zero = new SliceRecord(0, (uint)(from % chunkSize), (uint)(chunkEnd - from), 0, 0);
            kv.Put(MetaKeys.SliceKey(inode.FsId, inode.Ino, chunkIndex, inode.NextSliceSeq++), MetaCodec.Encode(zero));
            from = chunkEnd;
        }
    }

    private static MetaResult PurgeInode(IKvTransaction kv, PurgeInodeCommand c)
    {
        var fs = c.FsId;
        var inode = MetaStore.LoadInode(kv, fs, c.Ino);
        var orphanKey = MetaKeys.OrphanKey(fs, c.Ino);
        if (inode is null || inode.Nlink > 0)
        {
            kv.Delete(orphanKey);
            return MetaResult.Success;
        }
        if (c.ClientId != 0)
        {
            // Only when the last client holding it lets go.
            var holders = OrphanHolders(kv, orphanKey);
            holders.Remove(c.ClientId);
            if (holders.Count > 0)
            {
                kv.Put(orphanKey, MetaCodec.Encode(holders));
                return MetaResult.Success;
            }
        }
        DeleteInode(kv, inode);
        return MetaResult.Success;
    }

    private static MetaResult HoldOrphan(IKvTransaction kv, HoldOrphanCommand c)
    {
        var inode = MetaStore.LoadInode(kv, c.FsId, c.Ino);
        if (inode is null) return MetaResult.Fail(Errno.ENOENT);
        if (inode.Nlink > 0 || c.ClientId == 0) return MetaResult.Success;
        var orphanKey = MetaKeys.OrphanKey(c.FsId, c.Ino);
        var holders = OrphanHolders(kv, orphanKey);
        if (!holders.Contains(c.ClientId)) holders.Add(c.ClientId);
        kv.Put(orphanKey, MetaCodec.Encode(holders));
        return MetaResult.Success;
    }

    private static MetaResult ExpireClient(IKvTransaction kv, ExpireClientCommand c)
    {
        if (c.ClientId == 0) return MetaResult.Fail(Errno.EINVAL);
        foreach (var pair in kv.Scan(MetaKeys.RequestKey(c.ClientId, 0), MetaKeys.RequestKey(c.ClientId, ulong.MaxValue))) kv.Delete(pair.Key);
        foreach (var pair in kv.ScanPrefix(MetaKeys.OrphanPrefix(c.FsId)))
        {
            var holders = OrphanHolders(kv, pair.Key);
            if (!holders.Remove(c.ClientId)) continue;
            if (holders.Count > 0) kv.Put(pair.Key, MetaCodec.Encode(holders));
            else if (MetaStore.LoadInode(kv, c.FsId, MetaKeys.LastNumber(pair.Key)) is { Nlink: 0 } inode) DeleteInode(kv, inode);
            else kv.Delete(pair.Key);
        }
        return MetaResult.Success;
    }

    /// <summary>The clients holding an orphan open (an empty value: none recorded).</summary>
    private static List<ulong> OrphanHolders(IKvReader kv, byte[] orphanKey) =>
        kv.Get(orphanKey) is { Length: > 0 } bytes ? MetaCodec.Decode<List<ulong>>(bytes) : [];

    /// <summary>Deletes an inode without links: its slices go to the trash, its xattrs and records away.</summary>
    private static void DeleteInode(IKvTransaction kv, InodeRecord inode)
    {
        var (fs, ino) = (inode.FsId, inode.Ino);
        var slices = new List<SliceRecord>();
        foreach (var pair in kv.ScanPrefix(MetaKeys.SlicePrefix(fs, ino)))
        {
            var slice = MetaCodec.Decode<SliceRecord>(pair.Value);
            if (!slice.IsZero) slices.Add(slice);
            kv.Delete(pair.Key);
        }
        foreach (var pair in kv.ScanPrefix(MetaKeys.XattrPrefix(fs, ino))) kv.Delete(pair.Key);
        if (slices.Count > 0) kv.Put(MetaKeys.TrashKey(fs, ino, inode.NextSliceSeq), MetaCodec.Encode(new TrashRecord(ino, slices)));
        if (MetaStore.PartitionOf(kv, fs, ino) is { } partition)
        {
            partition.InodeCount--;
            if (inode.IsRegular) partition.UsedBytes -= (long)inode.Length;
            MetaStore.StorePartition(kv, partition);
        }
        kv.Delete(MetaKeys.InodeKey(fs, ino));
        kv.Delete(MetaKeys.OrphanKey(fs, ino));
    }

    private static MetaResult RemoveTrash(IKvTransaction kv, RemoveTrashCommand c)
    {
        var prefix = MetaKeys.TrashPrefix(c.FsId);
        foreach (var key in c.Keys)
        {
            if (!key.AsSpan().StartsWith(prefix)) return MetaResult.Fail(Errno.EINVAL);
        }
        foreach (var key in c.Keys) kv.Delete(key);
        return MetaResult.Success;
    }
}
