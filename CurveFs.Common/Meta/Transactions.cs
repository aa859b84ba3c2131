using MessagePack;

namespace CurveFs.Common.Meta;

/// <summary>
/// A lock on one key of a copyset, held by a cross-copyset transaction between its prepare and its
/// commit or abort. Stored under <c>L:{locked key}</c>. While it exists, commands and queries that touch
/// the key answer EAGAIN with the lock, and the client resolves the transaction through its primary.
/// </summary>
[MessagePackObject]
public sealed record TxLock(
    [property: Key(0)] ulong TxId,
    [property: Key(1)] uint PrimaryCopyset);

public enum TxState
{
    Prepared = 0,
    Committed = 1,
    Aborted = 2,
}

/// <summary>A transaction's participant record, stored under <c>X:{txId:20}</c> in each participant.
/// On the primary its State is the truth about the transaction: committed there means committed.</summary>
[MessagePackObject]
public sealed class TxRecord
{
    [Key(0)] public ulong TxId { get; set; }
    [Key(1)] public uint PrimaryCopyset { get; set; }
    [Key(2)] public bool IsPrimary { get; set; }
    [Key(3)] public TxState State { get; set; }
    [Key(4)] public List<TxOp> Ops { get; set; } = [];
    /// <summary>The coordinator's clock at prepare: a resolver aborts a transaction prepared long ago whose coordinator vanished.</summary>
    [Key(5)] public long PreparedNs { get; set; }
    [Key(6)] public List<byte[]> LockedKeys { get; set; } = [];
}

/// <summary>
/// One half of a namespace operation, as a participant of a transaction runs it (see
/// docs/design/cross-copyset-transactions.md). Prepare checks the POSIX rules and the expectations the
/// coordinator read, and locks the keys; commit applies. Union tags are part of the log format.
/// </summary>
[Union(0, typeof(PutDentryOp))]
[Union(1, typeof(DeleteDentryOp))]
[Union(2, typeof(CreateInodeOp))]
[Union(3, typeof(AdjustLinksOp))]
[Union(4, typeof(ReparentOp))]
public abstract class TxOp;

/// <summary>The dentry half of create, link and the destination of rename: name → child in parent.</summary>
[MessagePackObject]
public sealed class PutDentryOp : TxOp
{
    [Key(0)] public ulong Parent { get; set; }
    [Key(1)] public byte[] Name { get; set; } = [];
    [Key(2)] public ulong Child { get; set; }
    /// <summary>The child's type bits (the dentry stores them).</summary>
    [Key(3)] public uint ChildType { get; set; }
    /// <summary>Null: the name must not exist. Otherwise the name must lead to this inode, which the new entry replaces (rename over it).</summary>
    [Key(4)] public ulong? Replaces { get; set; }
    /// <summary>The replaced inode's owner and type, for the sticky rule and the type rules (EISDIR/ENOTDIR).</summary>
    [Key(5)] public uint ReplacedUid { get; set; }
    [Key(6)] public uint ReplacedType { get; set; }
    /// <summary>The child is the new inode of a create: its ID comes from the inode half's prepare.</summary>
    [Key(7)] public bool ChildIsNew { get; set; }
    /// <summary>RENAME_EXCHANGE: the replaced inode moves to the other name, so no type rule applies.</summary>
    [Key(8)] public bool Exchange { get; set; }
}

/// <summary>The dentry half of unlink, rmdir and the source of rename.</summary>
[MessagePackObject]
public sealed class DeleteDentryOp : TxOp
{
    [Key(0)] public ulong Parent { get; set; }
    [Key(1)] public byte[] Name { get; set; } = [];
    /// <summary>The name must still lead to this inode (else the coordinator's view is stale: EAGAIN).</summary>
    [Key(2)] public ulong ExpectChild { get; set; }
    [Key(3)] public uint ChildUid { get; set; }
    [Key(4)] public uint ChildType { get; set; }
    /// <summary>Unlink (false) or rmdir (true); null for the source of a rename (any type).</summary>
    [Key(5)] public bool? Rmdir { get; set; }
}

/// <summary>The inode half of create: a new inode from a partition of this copyset.</summary>
[MessagePackObject]
public sealed class CreateInodeOp : TxOp
{
    /// <summary>The new inode (Ino is filled in by the prepare that allocates it).</summary>
    [Key(0)] public InodeRecord Inode { get; set; } = new();
}

/// <summary>The inode half of link, unlink, rmdir and of the inode a rename replaces.</summary>
[MessagePackObject]
public sealed class AdjustLinksOp : TxOp
{
    [Key(0)] public ulong Ino { get; set; }
    /// <summary>+1 (link), -1 (unlink), or 0 with <see cref="ToZero"/> (rmdir: a directory loses all links).</summary>
    [Key(1)] public int Delta { get; set; }
    [Key(2)] public bool ToZero { get; set; }
    [Key(3)] public ulong? AddParent { get; set; }
    [Key(4)] public ulong? RemoveParent { get; set; }
    /// <summary>What the coordinator saw: the inode must still have this owner and type (else EAGAIN).</summary>
    [Key(5)] public uint ExpectUid { get; set; }
    [Key(6)] public uint ExpectType { get; set; }
    /// <summary>The inode must be a directory without entries (rmdir, rename over a directory).</summary>
    [Key(7)] public bool RequireEmpty { get; set; }
}

/// <summary>The inode half of rename for the moved inode: its parent changes.</summary>
[MessagePackObject]
public sealed class ReparentOp : TxOp
{
    [Key(0)] public ulong Ino { get; set; }
    [Key(1)] public ulong OldParent { get; set; }
    [Key(2)] public ulong NewParent { get; set; }
    [Key(3)] public uint ExpectType { get; set; }
}

/// <summary>Prepares this copyset's part of a transaction: checks, allocates (a create's inode ID) and locks.</summary>
[MessagePackObject]
public sealed class TxPrepareCommand : MetaCommand
{
    [Key(3)] public ulong TxId { get; set; }
    [Key(4)] public uint PrimaryCopyset { get; set; }
    [Key(5)] public bool IsPrimary { get; set; }
    [Key(6)] public List<TxOp> Ops { get; set; } = [];
}

/// <summary>Applies this copyset's prepared part. On the primary this is the transaction's commit point.</summary>
[MessagePackObject]
public sealed class TxCommitCommand : MetaCommand
{
    [Key(3)] public ulong TxId { get; set; }
}

/// <summary>Drops this copyset's prepared part. On the primary, the record stays as Aborted so a late
/// commit is refused. With OnlyIfPreparedBefore set, the primary aborts only a transaction prepared
/// before that time (a resolver giving up on a vanished coordinator).</summary>
[MessagePackObject]
public sealed class TxAbortCommand : MetaCommand
{
    [Key(3)] public ulong TxId { get; set; }
    [Key(4)] public long OnlyIfPreparedBefore { get; set; }
}

/// <summary>Forgets a finished transaction's record on the primary (after every secondary is done).</summary>
[MessagePackObject]
public sealed class TxForgetCommand : MetaCommand
{
    [Key(3)] public ulong TxId { get; set; }
}

/// <summary>A dentry only (the child may live in another copyset): QueryResult.Dentry.</summary>
[MessagePackObject]
public sealed class DentryQuery : MetaQuery
{
    [Key(1)] public ulong Parent { get; set; }
    [Key(2)] public byte[] Name { get; set; } = [];
    [Key(3)] public Caller Caller { get; set; } = Caller.Root;
}

/// <summary>The state of a transaction as this copyset knows it (ENOENT: no record).</summary>
[MessagePackObject]
public sealed class TxStatusQuery : MetaQuery
{
    [Key(1)] public ulong TxId { get; set; }
}
