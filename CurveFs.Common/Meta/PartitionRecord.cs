using MessagePack;

namespace CurveFs.Common.Meta;

public enum PartitionStatus
{
    ReadWrite = 0,
    /// <summary>All inode IDs of the range are used: no new inodes here.</summary>
    ReadOnly = 1,
}

/// <summary>
/// A partition: the inode-ID range [Start, End] of one filesystem owned by one copyset, stored under
/// <c>0:{fsId}:{partitionId}</c>. It also keeps usage counters for statfs.
/// </summary>
[MessagePackObject]
public sealed class PartitionRecord
{
    [Key(0)] public uint FsId { get; set; }
    [Key(1)] public uint PartitionId { get; set; }
    [Key(2)] public ulong Start { get; set; }
    [Key(3)] public ulong End { get; set; }
    /// <summary>The next inode ID to hand out; > End when the partition is exhausted.</summary>
    [Key(4)] public ulong NextIno { get; set; }
    [Key(5)] public PartitionStatus Status { get; set; }
    /// <summary>Live inodes whose ID is in this partition.</summary>
    [Key(6)] public long InodeCount { get; set; }
    /// <summary>Sum of the lengths of regular files in this partition.</summary>
    [Key(7)] public long UsedBytes { get; set; }
    /// <summary>The filesystem's chunk size (fixed at create-fs); truncation needs it to find chunk boundaries.</summary>
    [Key(8)] public uint ChunkSize { get; set; } = 64 << 20;
    /// <summary>The filesystem's block size (fixed at create-fs).</summary>
    [Key(9)] public uint BlockSize { get; set; } = 4 << 20;

    public bool Contains(ulong ino) => ino >= Start && ino <= End;

    public PartitionRecord Clone() => (PartitionRecord)MemberwiseClone();
}
