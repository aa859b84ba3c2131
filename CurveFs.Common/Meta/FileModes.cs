namespace CurveFs.Common.Meta;

/// <summary>st_mode bits (Linux values) and small predicates over them.</summary>
public static class FileModes
{
    public const uint TypeMask = 0xF000;   // S_IFMT
    public const uint Socket = 0xC000;     // S_IFSOCK
    public const uint Symlink = 0xA000;    // S_IFLNK
    public const uint Regular = 0x8000;    // S_IFREG
    public const uint BlockDevice = 0x6000; // S_IFBLK
    public const uint Directory = 0x4000;  // S_IFDIR
    public const uint CharDevice = 0x2000; // S_IFCHR
    public const uint Fifo = 0x1000;       // S_IFIFO

    public const uint SetUid = 0x800;      // S_ISUID
    public const uint SetGid = 0x400;      // S_ISGID
    public const uint Sticky = 0x200;      // S_ISVTX
    public const uint PermissionMask = 0xFFF; // permission bits including suid/sgid/sticky
    public const uint GroupExecute = 0x008;   // S_IXGRP
    public const uint AnyExecute = 0x049;     // S_IXUSR | S_IXGRP | S_IXOTH

    public static uint Type(uint mode) => mode & TypeMask;
    public static bool IsDirectory(uint mode) => (mode & TypeMask) == Directory;
    public static bool IsRegular(uint mode) => (mode & TypeMask) == Regular;
    public static bool IsSymlink(uint mode) => (mode & TypeMask) == Symlink;

    /// <summary>True for the file types a filesystem may create (regular, dir, symlink, fifo, socket, char, block).</summary>
    public static bool IsValidType(uint mode) => (mode & TypeMask) switch
    {
        Regular or Directory or Symlink or Fifo or Socket or CharDevice or BlockDevice => true,
        _ => false,
    };

    /// <summary>The d_type value readdir reports for a mode (DT_REG = 8, DT_DIR = 4 ...).</summary>
    public static byte DirentType(uint mode) => (byte)((mode & TypeMask) >> 12);
}

/// <summary>Access masks of access(2) and of the permission checks: R_OK, W_OK, X_OK.</summary>
[Flags]
public enum AccessMask
{
    Exists = 0,
    Execute = 1,
    Write = 2,
    Read = 4,
}
