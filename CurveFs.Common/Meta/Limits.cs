namespace CurveFs.Common.Meta;

/// <summary>Namespace limits, the same as ext4's so tools see familiar numbers.</summary>
public static class Limits
{
    /// <summary>Longest file name in bytes (NAME_MAX).</summary>
    public const int NameMax = 255;
    /// <summary>Longest symlink target in bytes, without the NUL (PATH_MAX - 1).</summary>
    public const int SymlinkMax = 4095;
    /// <summary>Longest extended attribute name in bytes (XATTR_NAME_MAX).</summary>
    public const int XattrNameMax = 255;
    /// <summary>Largest extended attribute value (XATTR_SIZE_MAX).</summary>
    public const int XattrValueMax = 65536;
    /// <summary>Most hard links to one inode (ext4's EXT4_LINK_MAX).</summary>
    public const uint LinkMax = 65000;
    /// <summary>Largest file size: 2^63 - 1 bytes minus nothing; offsets beyond give EFBIG.</summary>
    public const long FileSizeMax = long.MaxValue;
    /// <summary>The root directory's inode number in every filesystem.</summary>
    public const ulong RootInode = 1;
    /// <summary>Size reported for directories (like ext4's first block).</summary>
    public const ulong DirectorySize = 4096;
}
