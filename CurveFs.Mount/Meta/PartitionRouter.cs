using CurveFs.Common.Meta;

namespace CurveFs.Mount.Meta;

/// <summary>
/// Decides which copyset serves a request. A request goes where the partition of its key inode lives:
/// the parent for dentry operations (a dentry lives with its parent), the inode itself otherwise.
/// Today every partition of the filesystem lives in one copyset; mapping partitions to several
/// copysets (from the MDS's partition table) changes only this class.
/// </summary>
internal sealed class PartitionRouter(uint copysetId)
{
    /// <summary>The copyset holding filesystem-wide records: the fs record, the partition list, the chunk-ID counter.</summary>
    public uint MetaCopyset => copysetId;

    /// <summary>Every copyset with partitions of the filesystem (statfs and scans ask each).</summary>
    public IReadOnlyList<uint> Copysets { get; } = [copysetId];

    /// <summary>The copyset owning the partition of this inode.</summary>
    public uint CopysetOf(ulong ino) => copysetId;

    public uint CopysetFor(MetaCommand command) => command switch
    {
        CreateNodeCommand c => CopysetOf(c.Parent),
        LinkCommand c => CopysetOf(c.NewParent),
        UnlinkCommand c => CopysetOf(c.Parent),
        RmdirCommand c => CopysetOf(c.Parent),
        RenameCommand c => CopysetOf(c.Parent),
        SetAttrCommand c => CopysetOf(c.Ino),
        SetXattrCommand c => CopysetOf(c.Ino),
        RemoveXattrCommand c => CopysetOf(c.Ino),
        CommitSlicesCommand c => CopysetOf(c.Ino),
        FallocateCommand c => CopysetOf(c.Ino),
        PurgeInodeCommand c => CopysetOf(c.Ino),
        _ => MetaCopyset, // InitFs, CreatePartition, AllocateChunkIds, RemoveTrash
    };

    public uint CopysetFor(MetaQuery query) => query switch
    {
        LookupQuery q => CopysetOf(q.Parent),
        GetAttrQuery q => CopysetOf(q.Ino),
        ReadDirQuery q => CopysetOf(q.Dir),
        GetXattrQuery q => CopysetOf(q.Ino),
        ListXattrQuery q => CopysetOf(q.Ino),
        GetSlicesQuery q => CopysetOf(q.Ino),
        _ => MetaCopyset,
    };
}
