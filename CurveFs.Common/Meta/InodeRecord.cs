using MessagePack;

namespace CurveFs.Common.Meta;

/// <summary>
/// An inode as stored under key <c>1:{fsId}:{ino}</c> (see <see cref="MetaKeys"/>) and as returned to
/// clients. Times are nanoseconds since the Unix epoch (signed: dates before 1970 are fine).
/// Records are treated as immutable values once stored: handlers clone, change and put.
/// </summary>
[MessagePackObject]
public sealed class InodeRecord
{
    [Key(0)] public uint FsId { get; set; }
    [Key(1)] public ulong Ino { get; set; }
    /// <summary>st_mode: type bits and permission bits.</summary>
    [Key(2)] public uint Mode { get; set; }
    [Key(3)] public uint Uid { get; set; }
    [Key(4)] public uint Gid { get; set; }
    [Key(5)] public uint Nlink { get; set; }
    /// <summary>File length in bytes (regular files); symlink target length for symlinks.</summary>
    [Key(6)] public ulong Length { get; set; }
    [Key(7)] public long AtimeNs { get; set; }
    [Key(8)] public long MtimeNs { get; set; }
    [Key(9)] public long CtimeNs { get; set; }
    /// <summary>Device number for character and block devices.</summary>
    [Key(10)] public ulong Rdev { get; set; }
    /// <summary>Symlink target bytes (symlinks only).</summary>
    [Key(11)] public byte[]? SymlinkTarget { get; set; }
    /// <summary>Parent directories, one entry per hard link (a directory has exactly one).</summary>
    [Key(12)] public List<ulong> Parents { get; set; } = [];
    /// <summary>Next slice sequence number of this inode: slices are keyed by it, so the order of
    /// commits (not of chunk IDs) decides which slice is newest.</summary>
    [Key(13)] public ulong NextSliceSeq { get; set; } = 1;
    /// <summary>Number of extended attributes (so getxattr on an inode without any answers from the attrs).</summary>
    [Key(14)] public uint XattrCount { get; set; }
    /// <summary>Birth time.</summary>
    [Key(15)] public long BtimeNs { get; set; }

    [IgnoreMember] public bool IsDirectory => FileModes.IsDirectory(Mode);
    [IgnoreMember] public bool IsRegular => FileModes.IsRegular(Mode);
    [IgnoreMember] public bool IsSymlink => FileModes.IsSymlink(Mode);

    public InodeRecord Clone()
    {
        var copy = (InodeRecord)MemberwiseClone();
        copy.Parents = [.. Parents];
        return copy;
    }
}

/// <summary>The value of a dentry key <c>3:{fsId}:{parent}:{name}</c>: the child inode and its type bits.</summary>
[MessagePackObject]
public readonly record struct DentryValue([property: Key(0)] ulong Ino, [property: Key(1)] uint Type);

/// <summary>A named child of a directory, as readdir returns it.</summary>
[MessagePackObject]
public sealed record DirEntryRecord(
    [property: Key(0)] byte[] Name,
    [property: Key(1)] ulong Ino,
    [property: Key(2)] uint Type,
    [property: Key(3)] InodeRecord? Attr);
