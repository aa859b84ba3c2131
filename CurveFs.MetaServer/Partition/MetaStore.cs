using CurveFs.Common.Fs;
using CurveFs.Common.Meta;
using CurveFs.MetaServer.Storage;

namespace CurveFs.MetaServer.Partition;

/// <summary>Typed access to the records of <see cref="MetaKeys"/>: load/store/delete by ID, shared by
/// the state machine (writes) and <see cref="MetaQueries"/> (reads).</summary>
public static class MetaStore
{
    public static InodeRecord? LoadInode(IKvReader kv, uint fs, ulong ino) =>
        kv.Get(MetaKeys.InodeKey(fs, ino)) is { } bytes ? MetaCodec.Decode<InodeRecord>(bytes) : null;

    public static void StoreInode(IKvTransaction kv, InodeRecord inode) =>
        kv.Put(MetaKeys.InodeKey(inode.FsId, inode.Ino), MetaCodec.Encode(inode));

    public static DentryValue? LoadDentry(IKvReader kv, uint fs, ulong parent, ReadOnlySpan<byte> name) =>
        kv.Get(MetaKeys.DentryKey(fs, parent, name)) is { } bytes ? MetaCodec.Decode<DentryValue>(bytes) : null;

    public static void StoreDentry(IKvTransaction kv, uint fs, ulong parent, ReadOnlySpan<byte> name, InodeRecord child) =>
        kv.Put(MetaKeys.DentryKey(fs, parent, name), MetaCodec.Encode(new DentryValue(child.Ino, FileModes.Type(child.Mode))));

    public static void DeleteDentry(IKvTransaction kv, uint fs, ulong parent, ReadOnlySpan<byte> name) =>
        kv.Delete(MetaKeys.DentryKey(fs, parent, name));

    public static bool HasEntries(IKvReader kv, uint fs, ulong dir) =>
        kv.ScanPrefix(MetaKeys.DentryPrefix(fs, dir), limit: 1).Count > 0;

    public static PartitionRecord? LoadPartition(IKvReader kv, uint fs, uint partitionId) =>
        kv.Get(MetaKeys.PartitionKey(fs, partitionId)) is { } bytes ? MetaCodec.Decode<PartitionRecord>(bytes) : null;

    public static List<PartitionRecord> LoadPartitions(IKvReader kv, uint fs)
    {
        var list = new List<PartitionRecord>();
        foreach (var pair in kv.ScanPrefix(MetaKeys.PartitionPrefix(fs)))
            list.Add(MetaCodec.Decode<PartitionRecord>(pair.Value));
        return list;
    }

    public static void StorePartition(IKvTransaction kv, PartitionRecord partition) =>
        kv.Put(MetaKeys.PartitionKey(partition.FsId, partition.PartitionId), MetaCodec.Encode(partition));

    /// <summary>The partition whose range holds ino, or null when no partition of this copyset does.</summary>
    public static PartitionRecord? PartitionOf(IKvReader kv, uint fs, ulong ino)
    {
        foreach (var partition in LoadPartitions(kv, fs))
            if (partition.Contains(ino)) return partition;
        return null;
    }

    /// <summary>Why an inode a dentry names is not here: EXDEV when its partition lives in another copyset
    /// (the operation needs a cross-copyset transaction), EIO when it should be here and is not (damage).</summary>
    public static Errno MissingInode(IKvReader kv, uint fs, ulong ino) => PartitionOf(kv, fs, ino) is null ? Errno.EXDEV : Errno.EIO;

    /// <summary>All slices of one chunk, oldest first.</summary>
    public static List<SequencedSlice> LoadChunkSlices(IKvReader kv, uint fs, ulong ino, ulong chunkIndex)
    {
        var list = new List<SequencedSlice>();
        foreach (var pair in kv.ScanPrefix(MetaKeys.ChunkSlicePrefix(fs, ino, chunkIndex)))
            list.Add(new SequencedSlice(chunkIndex, MetaKeys.LastNumber(pair.Key), MetaCodec.Decode<SliceRecord>(pair.Value)));
        return list;
    }

    /// <summary>Checks a name that an operation is about to create or remove.</summary>
    public static Errno ValidateName(ReadOnlySpan<byte> name)
    {
        if (name.Length == 0) return Errno.ENOENT;
        if (name.Length > Limits.NameMax) return Errno.ENAMETOOLONG;
        if (name.IndexOf((byte)'/') >= 0 || name.IndexOf((byte)0) >= 0) return Errno.EINVAL;
        return Errno.Ok;
    }

    /// <summary>"." or "..", which name no dentry of ours: the directory itself or its parent.</summary>
    public static bool IsDotOrDotDot(ReadOnlySpan<byte> name) =>
        (name.Length == 1 && name[0] == '.') || (name.Length == 2 && name[0] == '.' && name[1] == '.');
}
