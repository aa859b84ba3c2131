using CurveFs.Common.Fs;
using CurveFs.Common.Meta;
using CurveFs.MetaServer.Storage;

namespace CurveFs.MetaServer.Partition;

/// <summary>
/// The partition state machine: applies <see cref="MetaCommand"/>s to a copyset's KV store. All POSIX
/// namespace rules live here (and in <see cref="Permissions"/>), once, so every host (the embedded
/// copyset, a Raft copyset, another KV engine) behaves the same.
///
/// Handlers are deterministic: they read the command and the KV state, nothing else (no clock, no
/// randomness). A handler validates before it writes; when it fails anyway, the host rolls the
/// transaction back, so a failed command never leaves a partial change.
/// </summary>
public sealed partial class MetaStateMachine
{
    public MetaResult Apply(IKvTransaction kv, MetaCommand command) => command switch
    {
        InitFsCommand c => InitFs(kv, c),
        CreatePartitionCommand c => CreatePartition(kv, c),
        CreateNodeCommand c => CreateNode(kv, c),
        LinkCommand c => Link(kv, c),
        UnlinkCommand c => Unlink(kv, c),
        RmdirCommand c => Rmdir(kv, c),
        RenameCommand c => Rename(kv, c),
        SetAttrCommand c => SetAttr(kv, c),
        SetXattrCommand c => SetXattr(kv, c),
        RemoveXattrCommand c => RemoveXattr(kv, c),
        CommitSlicesCommand c => CommitSlices(kv, c),
        FallocateCommand c => Fallocate(kv, c),
        PurgeInodeCommand c => PurgeInode(kv, c),
        RemoveTrashCommand c => RemoveTrash(kv, c),
        AllocateChunkIdsCommand c => AllocateChunkIds(kv, c),
        TxPrepareCommand c => TxPrepare(kv, c),
        TxCommitCommand c => TxCommit(kv, c),
        TxAbortCommand c => TxAbort(kv, c),
        TxForgetCommand c => TxForget(kv, c),
        HoldOrphanCommand c => HoldOrphan(kv, c),
        ExpireClientCommand c => ExpireClient(kv, c),
        CompactSlicesCommand c => CompactSlices(kv, c),
        _ => MetaResult.Fail(Errno.ENOSYS),
    };

    private static MetaResult InitFs(IKvTransaction kv, InitFsCommand c)
    {
        var fs = c.FsId;
        if (MetaStore.LoadInode(kv, fs, Limits.RootInode) is { } existing)
        {
            // Repeating the creation of the same filesystem is fine; another one under the same ID is not.
            if (c.Fs is { } requested && kv.Get(MetaKeys.FsKey(fs)) is { } stored && MetaCodec.Decode<FsInfo>(stored).Name != requested.Name)
                return MetaResult.Fail(Errno.EEXIST);
            return MetaResult.Of(existing);
        }
        if (c.Fs is { } info)
        {
            if (info.FsId != fs) return MetaResult.Fail(Errno.EINVAL);
            foreach (var pair in kv.ScanPrefix(MetaKeys.FsPrefix()))
                if (MetaCodec.Decode<FsInfo>(pair.Value).Name == info.Name) return MetaResult.Fail(Errno.EEXIST);
            kv.Put(MetaKeys.FsKey(fs), MetaCodec.Encode(info));
        }
        var partition = c.Partition.Clone();
        partition.FsId = fs;
        if (!partition.Contains(Limits.RootInode)) return MetaResult.Fail(Errno.EINVAL);
        partition.NextIno = Math.Max(partition.NextIno, Limits.RootInode + 1);
        partition.InodeCount = 1;
        MetaStore.StorePartition(kv, partition);
        var root = new InodeRecord
        {
            FsId = fs,
            Ino = Limits.RootInode,
            Mode = FileModes.Directory | (c.RootMode & FileModes.PermissionMask),
            Uid = c.RootUid,
            Gid = c.RootGid,
            Nlink = 2,
            Length = Limits.DirectorySize,
            AtimeNs = c.NowNs, MtimeNs = c.NowNs, CtimeNs = c.NowNs, BtimeNs = c.NowNs,
            Parents = [Limits.RootInode],
        };
        MetaStore.StoreInode(kv, root);
        return MetaResult.Of(root);
    }

    private static MetaResult CreatePartition(IKvTransaction kv, CreatePartitionCommand c)
    {
        var partition = c.Partition.Clone();
        partition.FsId = c.FsId;
        if (partition.End < partition.Start) return MetaResult.Fail(Errno.EINVAL);
        if (MetaStore.LoadPartition(kv, c.FsId, partition.PartitionId) is not null) return MetaResult.Success;
        foreach (var other in MetaStore.LoadPartitions(kv, c.FsId))
        {
            if (partition.Start <= other.End && other.Start <= partition.End) return MetaResult.Fail(Errno.EEXIST);
        }
        partition.NextIno = Math.Max(partition.NextIno, partition.Start);
        MetaStore.StorePartition(kv, partition);
        return MetaResult.Success;
    }

    private static MetaResult AllocateChunkIds(IKvTransaction kv, AllocateChunkIdsCommand c)
    {
        if (c.Count == 0 || c.Count > 1_000_000) return MetaResult.Fail(Errno.EINVAL);
        var current = kv.Get(MetaKeys.ChunkIdCounterKey) is { Length: 8 } bytes ? System.Buffers.Binary.BinaryPrimitives.ReadUInt64LittleEndian(bytes) : 1;
        var next = new byte[8];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt64LittleEndian(next, current + c.Count);
        kv.Put(MetaKeys.ChunkIdCounterKey, next);
        return new MetaResult { Value = current };
    }

    /// <summary>Sets ctime (and mtime) of a directory whose entries changed.</summary>
    private static void TouchDirectory(InodeRecord dir, long now)
    {
        dir.MtimeNs = now;
        dir.CtimeNs = now;
    }

    /// <summary>Loads a directory an operation works in: ENOENT when missing or already removed, ENOTDIR when not a directory.</summary>
    private static Errno LoadDirectory(IKvReader kv, uint fs, ulong ino, out InodeRecord dir)
    {
        dir = MetaStore.LoadInode(kv, fs, ino)!;
        if (dir is null) return Errno.ENOENT;
        if (!dir.IsDirectory) return Errno.ENOTDIR;
        if (dir.Nlink == 0) return Errno.ENOENT;
        return Errno.Ok;
    }
}
