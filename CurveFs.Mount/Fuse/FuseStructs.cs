using System.Runtime.InteropServices;

namespace CurveFs.Mount.Fuse;

// Native structures of libfuse 3.14 and glibc on x86_64. Sizes and offsets were measured with gcc
// against /usr/include/fuse3 (see docs/fuse-binding.md); FuseLayoutTests asserts them.

/// <summary>struct timespec: 16 bytes.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct Timespec
{
    private const long NsPerSecond = 1_000_000_000;

    public long Sec;
    public long Nsec;

    public static Timespec FromNanoseconds(long ns)
    {
        long sec = Math.DivRem(ns, NsPerSecond, out long nsec);
        if (nsec < 0)
        {
            sec--;
            nsec += NsPerSecond;
        }
        return new Timespec { Sec = sec, Nsec = nsec };
    }

    /// <summary>Nanoseconds since the epoch, saturated to the range a long holds (years 1677..2262).</summary>
    public readonly long ToNanoseconds()
    {
        const long maxSec = long.MaxValue / NsPerSecond - 1;
        if (Sec > maxSec) return long.MaxValue;
        if (Sec < -maxSec) return long.MinValue;
        return Sec * NsPerSecond + Nsec;
    }
}

/// <summary>struct stat: 144 bytes; st_nlink (8 bytes) comes before st_mode on x86_64.</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct NativeStat
{
    public ulong Dev;
    public ulong Ino;
    public ulong Nlink;
    public uint Mode;
    public uint Uid;
    public uint Gid;
    private int _pad0;
    public ulong Rdev;
    public long Size;
    public long BlkSize;
    public long Blocks;
    public Timespec Atime;
    public Timespec Mtime;
    public Timespec Ctime;
    private fixed long _reserved[3];
}

/// <summary>struct fuse_entry_param: 176 bytes, attr at 16.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct FuseEntryParam
{
    public ulong Ino;
    public ulong Generation;
    public NativeStat Attr;
    public double AttrTimeout;
    public double EntryTimeout;
}

/// <summary>struct fuse_file_info: 40 bytes; flags at 0, a bitfield word at 4, fh at 16.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct FuseFileInfo
{
    // Bits of the word at offset 4, in declaration order of the C bitfield.
    public const uint WritePageBit = 1 << 0;
    public const uint DirectIoBit = 1 << 1;
    public const uint KeepCacheBit = 1 << 2;
    public const uint FlushBit = 1 << 3;
    public const uint NonSeekableBit = 1 << 4;
    public const uint FlockReleaseBit = 1 << 5;
    public const uint CacheReaddirBit = 1 << 6;
    public const uint NoFlushBit = 1 << 7;

    public int Flags;
    public uint Bits;
    private uint _padding2;
    public ulong Fh;
    public ulong LockOwner;
    public uint PollEvents;
}

/// <summary>struct fuse_args: 24 bytes.</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct FuseArgs
{
    public int Argc;
    public byte** Argv;
    public int Allocated;
}

/// <summary>struct fuse_ctx: 16 bytes.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct FuseCtx
{
    public uint Uid;
    public uint Gid;
    public int Pid;
    public uint Umask;
}

/// <summary>struct statvfs: 112 bytes.</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct NativeStatVfs
{
    public ulong Bsize;
    public ulong Frsize;
    public ulong Blocks;
    public ulong Bfree;
    public ulong Bavail;
    public ulong Files;
    public ulong Ffree;
    public ulong Favail;
    public ulong Fsid;
    public ulong Flag;
    public ulong Namemax;
    private fixed int _spare[6];
}

/// <summary>struct fuse_conn_info: 128 bytes.</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct FuseConnInfo
{
    public uint ProtoMajor;
    public uint ProtoMinor;
    public uint MaxWrite;
    public uint MaxRead;
    public uint MaxReadahead;
    public uint Capable;
    public uint Want;
    public uint MaxBackground;
    public uint CongestionThreshold;
    public uint TimeGran;
    private fixed uint _reserved[22];
}

/// <summary>struct fuse_forget_data: 16 bytes.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct FuseForgetData
{
    public ulong Ino;
    public ulong Nlookup;
}

/// <summary>FUSE_CAP_* bits of fuse_common.h (fuse_conn_info.capable / want).</summary>
internal static class FuseCapabilities
{
    public const uint AsyncRead = 1 << 0;
    public const uint PosixLocks = 1 << 1;
    public const uint AtomicOTrunc = 1 << 3;
    public const uint ExportSupport = 1 << 4;
    public const uint DontMask = 1 << 6;
    public const uint SpliceWrite = 1 << 7;
    public const uint SpliceMove = 1 << 8;
    public const uint SpliceRead = 1 << 9;
    public const uint FlockLocks = 1 << 10;
    public const uint IoctlDir = 1 << 11;
    public const uint AutoInvalData = 1 << 12;
    public const uint ReaddirPlus = 1 << 13;
    public const uint ReaddirPlusAuto = 1 << 14;
    public const uint AsyncDio = 1 << 15;
    public const uint WritebackCache = 1 << 16;
    public const uint NoOpenSupport = 1 << 17;
    public const uint ParallelDirops = 1 << 18;
    public const uint PosixAcl = 1 << 19;
    public const uint HandleKillpriv = 1 << 20;
    public const uint CacheSymlinks = 1 << 23;
    public const uint NoOpendirSupport = 1 << 24;
    public const uint ExplicitInvalData = 1 << 25;
}
