using CurveFs.Common.Fs;

namespace CurveFs.Common.Meta;

/// <summary>
/// The POSIX permission rules, written once (the state machine, the Redis engine and the client's
/// open/access checks all call these). Root (uid 0) bypasses read/write checks and may execute
/// anything with at least one execute bit, like a process with CAP_DAC_OVERRIDE.
/// </summary>
public static class Permissions
{
    /// <summary>EACCES unless caller may access the inode with every bit of mask.</summary>
    public static Errno Check(InodeRecord inode, Caller caller, AccessMask mask)
    {
        if (mask == AccessMask.Exists) return Errno.Ok;
        if (caller.IsRoot)
        {
            if ((mask & AccessMask.Execute) == 0 || inode.IsDirectory || (inode.Mode & FileModes.AnyExecute) != 0)
                return Errno.Ok;
            return Errno.EACCES;
        }
        uint bits;
        if (caller.Uid == inode.Uid) bits = (inode.Mode >> 6) & 7;
        else if (caller.InGroup(inode.Gid)) bits = (inode.Mode >> 3) & 7;
        else bits = inode.Mode & 7;
        return ((uint)mask & ~bits) == 0 ? Errno.Ok : Errno.EACCES;
    }

    /// <summary>Whether the caller owns the inode or is root (chmod, utimes with explicit times, ...).</summary>
    public static bool IsOwnerOrRoot(InodeRecord inode, Caller caller) => caller.IsRoot || caller.Uid == inode.Uid;

    /// <summary>The sticky-directory rule of unlink/rmdir/rename: in a sticky directory only the owner of
    /// the entry, the owner of the directory or root may remove or replace it (EPERM otherwise).</summary>
    public static Errno CheckSticky(InodeRecord dir, InodeRecord victim, Caller caller)
    {
        if ((dir.Mode & FileModes.Sticky) == 0 || caller.IsRoot) return Errno.Ok;
        return caller.Uid == victim.Uid || caller.Uid == dir.Uid ? Errno.Ok : Errno.EPERM;
    }

    /// <summary>The checks of open(2) for the access mode and O_TRUNC of the flags.</summary>
    public static Errno CheckOpen(InodeRecord inode, Caller caller, int openFlags)
    {
        var mask = (openFlags & 3) switch
        {
            0 => AccessMask.Read,
            1 => AccessMask.Write,
            _ => AccessMask.Read | AccessMask.Write,
        };
        if ((openFlags & OpenFlags.Truncate) != 0) mask |= AccessMask.Write;
        return Check(inode, caller, mask);
    }
}

/// <summary>open(2) flag values (x86_64).</summary>
public static class OpenFlags
{
    public const int AccessModeMask = 3;
    public const int ReadOnly = 0;
    public const int WriteOnly = 1;
    public const int ReadWrite = 2;
    public const int Create = 0x40;
    public const int Exclusive = 0x80;
    public const int Truncate = 0x200;
    public const int Append = 0x400;
    public const int NonBlock = 0x800;
    public const int Direct = 0x4000;
    public const int Directory = 0x10000;
    public const int NoFollow = 0x20000;

    public static bool Writable(int flags) => (flags & AccessModeMask) != ReadOnly;
}
