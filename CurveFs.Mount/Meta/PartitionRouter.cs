using CurveFs.Common.Meta;
using CurveFs.Mount.Meta.Topology;

namespace CurveFs.Mount.Meta;

/// <summary>
/// Decides which copyset serves a request. A request goes where the partition of its key inode lives:
/// the parent for dentry operations (a dentry lives with its parent), the inode itself otherwise.
/// Filesystem-wide records (the fs record, chunk IDs without an MDS) live in <see cref="MetaCopyset"/>.
/// </summary>
internal sealed class PartitionRouter(IClusterTopology topology, uint metaCopyset)
{
    /// <summary>The copyset holding filesystem-wide records: the fs record, the chunk-ID counter (without an MDS).</summary>
    public uint MetaCopyset => metaCopyset;

    /// <summary>Every copyset with partitions of the filesystem (statfs and scans ask each).</summary>
    public IReadOnlyList<uint> Copysets => topology.Copysets.Count > 0 ? topology.Copysets : [metaCopyset];

    /// <summary>The copyset owning the partition of this inode, or 0 when the topology does not know it.</summary>
    public uint CopysetOf(ulong ino) => topology.CopysetOf(ino);

    /// <summary>The inode whose partition decides where a command goes (0: a filesystem-wide command).</summary>
    public static ulong KeyInode(MetaCommand command) => command switch
    {
        CreateNodeCommand c => c.Parent,
        LinkCommand c => c.NewParent,
        UnlinkCommand c => c.Parent,
        RmdirCommand c => c.Parent,
        RenameCommand c => c.Parent,
        SetAttrCommand c => c.Ino,
        SetXattrCommand c => c.Ino,
        RemoveXattrCommand c => c.Ino,
        CommitSlicesCommand c => c.Ino,
        CompactSlicesCommand c => c.Ino,
        FallocateCommand c => c.Ino,
        PurgeInodeCommand c => c.Ino,
        HoldOrphanCommand c => c.Ino,
        RemoveTrashCommand c when c.Keys.Count > 0 => MetaKeys.NumberAt(c.Keys[0], MetaKeys.FirstU64Offset),
        _ => 0, // InitFs, CreatePartition, AllocateChunkIds, ExpireClient
    };

    public static ulong KeyInode(MetaQuery query) => query switch
    {
        LookupQuery q => q.Parent,
        DentryQuery q => q.Parent,
        GetAttrQuery q => q.Ino,
        ReadDirQuery q => q.Dir,
        GetXattrQuery q => q.Ino,
        ListXattrQuery q => q.Ino,
        GetSlicesQuery q => q.Ino,
        _ => 0,
    };
}
