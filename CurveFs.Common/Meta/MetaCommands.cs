using MessagePack;

namespace CurveFs.Common.Meta;

/// <summary>
/// A metadata change, as it travels to a copyset and sits in its log. Applying a command must be
/// deterministic: everything that varies (the time, the caller, new IDs' ranges) travels inside it,
/// and the handlers read nothing else but the KV state.
/// Union tags are part of the log format: never reuse or renumber one.
/// </summary>
[Union(0, typeof(InitFsCommand))]
[Union(1, typeof(CreatePartitionCommand))]
[Union(2, typeof(CreateNodeCommand))]
[Union(3, typeof(LinkCommand))]
[Union(4, typeof(UnlinkCommand))]
[Union(5, typeof(RmdirCommand))]
[Union(6, typeof(RenameCommand))]
[Union(7, typeof(SetAttrCommand))]
[Union(8, typeof(SetXattrCommand))]
[Union(9, typeof(RemoveXattrCommand))]
[Union(10, typeof(CommitSlicesCommand))]
[Union(11, typeof(FallocateCommand))]
[Union(12, typeof(PurgeInodeCommand))]
[Union(13, typeof(RemoveTrashCommand))]
[Union(14, typeof(AllocateChunkIdsCommand))]
[Union(15, typeof(TxPrepareCommand))]
[Union(16, typeof(TxCommitCommand))]
[Union(17, typeof(TxAbortCommand))]
[Union(18, typeof(TxForgetCommand))]
[Union(19, typeof(HoldOrphanCommand))]
[Union(20, typeof(ExpireClientCommand))]
[Union(21, typeof(CompactSlicesCommand))]
public abstract class MetaCommand
{
    /// <summary>The filesystem the command works in.</summary>
    [Key(0)] public uint FsId { get; set; }
    /// <summary>Who asks: permission checks use it.</summary>
    [Key(1)] public Caller Caller { get; set; } = Caller.Root;
    /// <summary>The client's clock at the time of the request, nanoseconds since the epoch: every
    /// timestamp the command sets is this value.</summary>
    [Key(2)] public long NowNs { get; set; }
}

/// <summary>Creates the root directory of a filesystem and its first partition, unless they exist.</summary>
[MessagePackObject]
public sealed class InitFsCommand : MetaCommand
{
    [Key(3)] public uint RootMode { get; set; } = FileModes.Directory | 0x1ED; // 0755
    [Key(4)] public uint RootUid { get; set; }
    [Key(5)] public uint RootGid { get; set; }
    [Key(6)] public PartitionRecord Partition { get; set; } = new();
    /// <summary>The filesystem's settings, stored under F:{fsId} where no MDS keeps them (the embedded mode keeps them in fs.json).</summary>
    [Key(7)] public FsInfo? Fs { get; set; }
}

/// <summary>Adds a partition (an inode-ID range) to this copyset.</summary>
[MessagePackObject]
public sealed class CreatePartitionCommand : MetaCommand
{
    [Key(3)] public PartitionRecord Partition { get; set; } = new();
}

/// <summary>mknod, mkdir, create and symlink: a new inode and its dentry.</summary>
[MessagePackObject]
public sealed class CreateNodeCommand : MetaCommand
{
    [Key(3)] public ulong Parent { get; set; }
    [Key(4)] public byte[] Name { get; set; } = [];
    /// <summary>st_mode of the new node (type bits and permissions, umask already applied).</summary>
    [Key(5)] public uint Mode { get; set; }
    [Key(6)] public ulong Rdev { get; set; }
    [Key(7)] public byte[]? SymlinkTarget { get; set; }
}

[MessagePackObject]
public sealed class LinkCommand : MetaCommand
{
    [Key(3)] public ulong Ino { get; set; }
    [Key(4)] public ulong NewParent { get; set; }
    [Key(5)] public byte[] NewName { get; set; } = [];
}

[MessagePackObject]
public sealed class UnlinkCommand : MetaCommand
{
    [Key(3)] public ulong Parent { get; set; }
    [Key(4)] public byte[] Name { get; set; } = [];
}

[MessagePackObject]
public sealed class RmdirCommand : MetaCommand
{
    [Key(3)] public ulong Parent { get; set; }
    [Key(4)] public byte[] Name { get; set; } = [];
}

[MessagePackObject]
public sealed class RenameCommand : MetaCommand
{
    public const uint NoReplace = 1; // RENAME_NOREPLACE
    public const uint Exchange = 2;  // RENAME_EXCHANGE

    [Key(3)] public ulong Parent { get; set; }
    [Key(4)] public byte[] Name { get; set; } = [];
    [Key(5)] public ulong NewParent { get; set; }
    [Key(6)] public byte[] NewName { get; set; } = [];
    [Key(7)] public uint Flags { get; set; }
}

/// <summary>Which attributes a SetAttrCommand changes (same bits as FUSE_SET_ATTR_*).</summary>
[Flags]
public enum AttrFields : uint
{
    None = 0,
    Mode = 1 << 0,
    Uid = 1 << 1,
    Gid = 1 << 2,
    Size = 1 << 3,
    Atime = 1 << 4,
    Mtime = 1 << 5,
    AtimeNow = 1 << 7,
    MtimeNow = 1 << 8,
    Ctime = 1 << 10,
}

[MessagePackObject]
public sealed class SetAttrCommand : MetaCommand
{
    [Key(3)] public ulong Ino { get; set; }
    [Key(4)] public AttrFields Fields { get; set; }
    [Key(5)] public uint Mode { get; set; }
    [Key(6)] public uint Uid { get; set; }
    [Key(7)] public uint Gid { get; set; }
    [Key(8)] public ulong Size { get; set; }
    [Key(9)] public long AtimeNs { get; set; }
    [Key(10)] public long MtimeNs { get; set; }
    [Key(11)] public long CtimeNs { get; set; }
    /// <summary>The change comes through an open file handle (ftruncate): the open already checked write access.</summary>
    [Key(12)] public bool ThroughHandle { get; set; }
}

[MessagePackObject]
public sealed class SetXattrCommand : MetaCommand
{
    public const int CreateOnly = 1; // XATTR_CREATE
    public const int ReplaceOnly = 2; // XATTR_REPLACE

    [Key(3)] public ulong Ino { get; set; }
    [Key(4)] public string Name { get; set; } = "";
    [Key(5)] public byte[] Value { get; set; } = [];
    [Key(6)] public int Flags { get; set; }
}

[MessagePackObject]
public sealed class RemoveXattrCommand : MetaCommand
{
    [Key(3)] public ulong Ino { get; set; }
    [Key(4)] public string Name { get; set; } = "";
}

/// <summary>A write became durable in the object store: add its slices and grow the length.</summary>
[MessagePackObject]
public sealed class CommitSlicesCommand : MetaCommand
{
    [Key(3)] public ulong Ino { get; set; }
    [Key(4)] public List<NewSlice> Slices { get; set; } = [];
    /// <summary>The end of the written range: the length becomes at least this.</summary>
    [Key(5)] public ulong MinLength { get; set; }
}

/// <summary>
/// Compaction: replaces the slices of one chunk the compactor read (exactly ReplacedSeqs) by one slice
/// holding their visible bytes, rewritten under a new chunk ID. A compare-and-swap: when the chunk's
/// slices up to the highest replaced seq are no longer exactly those (a truncate, punch hole or another
/// compaction changed them), it fails with ESTALE and changes nothing. The new slice takes the highest
/// replaced seq, so slices committed after the compactor read still win. The replaced objects go to
/// the trash; length and times stay as they are (compaction is invisible).
/// </summary>
[MessagePackObject]
public sealed class CompactSlicesCommand : MetaCommand
{
    [Key(3)] public ulong Ino { get; set; }
    [Key(4)] public ulong ChunkIndex { get; set; }
    /// <summary>The seqs of every slice of the chunk the compactor read, ascending.</summary>
    [Key(5)] public List<ulong> ReplacedSeqs { get; set; } = [];
    /// <summary>The slice that takes their place; it spans from the first byte they cover to the last.</summary>
    [Key(6)] public SliceRecord Slice { get; set; } = new(0, 0, 0, 0, 0);
}

[MessagePackObject]
public sealed class FallocateCommand : MetaCommand
{
    public const int KeepSize = 0x01;   // FALLOC_FL_KEEP_SIZE
    public const int PunchHole = 0x02;  // FALLOC_FL_PUNCH_HOLE
    public const int ZeroRange = 0x10;  // FALLOC_FL_ZERO_RANGE

    [Key(3)] public ulong Ino { get; set; }
    [Key(4)] public int Mode { get; set; }
    [Key(5)] public ulong Offset { get; set; }
    [Key(6)] public ulong Length { get; set; }
}

/// <summary>Deletes an inode whose link count is 0 once no handle keeps it open; its objects go to the trash.</summary>
[MessagePackObject]
public sealed class PurgeInodeCommand : MetaCommand
{
    [Key(3)] public ulong Ino { get; set; }
    /// <summary>The client whose last handle closed (0: an administrator or the embedded mode, which
    /// purges regardless of holders). The inode is purged once no client holds it.</summary>
    [Key(4)] public ulong ClientId { get; set; }
}

/// <summary>A client keeps an unlinked inode open: it is not purged before that client lets go
/// (PurgeInodeCommand with its ID) or its session expires (ExpireClientCommand).</summary>
[MessagePackObject]
public sealed class HoldOrphanCommand : MetaCommand
{
    [Key(3)] public ulong Ino { get; set; }
    [Key(4)] public ulong ClientId { get; set; }
}

/// <summary>A client's session expired (it stopped heartbeating): forget its stored answers and its
/// holds on orphans, purging the orphans nobody holds any more.</summary>
[MessagePackObject]
public sealed class ExpireClientCommand : MetaCommand
{
    [Key(3)] public ulong ClientId { get; set; }
}

/// <summary>The objects of these trash entries were deleted: forget the entries.</summary>
[MessagePackObject]
public sealed class RemoveTrashCommand : MetaCommand
{
    [Key(3)] public List<byte[]> Keys { get; set; } = [];
}

/// <summary>Reserves Count chunk IDs from the copyset's counter (clusters without an MDS); the result's
/// Value is the first ID of the range.</summary>
[MessagePackObject]
public sealed class AllocateChunkIdsCommand : MetaCommand
{
    [Key(3)] public ulong Count { get; set; }
}

/// <summary>The outcome of a command.</summary>
[MessagePackObject]
public sealed class MetaResult
{
    public static readonly MetaResult Success = new();

    [Key(0)] public Fs.Errno Error { get; set; }
    /// <summary>The inode the command created or changed (after the change).</summary>
    [Key(1)] public InodeRecord? Inode { get; set; }
    /// <summary>A second inode the command touched: the one unlinked or replaced by a rename (after the change),
    /// so the caller can purge it when its link count reached 0.</summary>
    [Key(2)] public InodeRecord? Other { get; set; }
    /// <summary>Set with ENOSPC when the filesystem has no partition with free inode IDs here: ask for a new one and retry.</summary>
    [Key(3)] public bool NeedsPartition { get; set; }
    /// <summary>A number the command produced (the first chunk ID of an allocated range).</summary>
    [Key(4)] public ulong Value { get; set; }
    /// <summary>With EAGAIN: a transaction holds a lock on a key the command needed; resolve it through its primary and retry.</summary>
    [Key(5)] public TxLock? LockedBy { get; set; }

    [IgnoreMember] public bool Ok => Error == Fs.Errno.Ok;

    public static MetaResult Fail(Fs.Errno error) => new() { Error = error };
    public static MetaResult Of(InodeRecord inode, InodeRecord? other = null) => new() { Inode = inode, Other = other };
}
