using CurveFs.Common.Fs;
using CurveFs.Mount.Vfs;

namespace CurveFs.Mount.Fuse;

/// <summary>Conversions from VFS replies to native structures, and the error reply.</summary>
internal static unsafe class FuseReply
{
    public static int Error(nint req, Errno errno)
    {
        int code = (int)errno;
        // libfuse turns values outside (0, 1000) into ERANGE; a bad value from the VFS is an I/O error.
        if (code < 0 || code >= 1000) code = (int)Errno.EIO;
        return FuseNative.fuse_reply_err(req, code);
    }

    public static void ToStat(in FileAttr attr, NativeStat* st)
    {
        *st = default;
        st->Ino = attr.Ino;
        st->Mode = attr.Mode;
        st->Nlink = attr.Nlink;
        st->Uid = attr.Uid;
        st->Gid = attr.Gid;
        st->Rdev = attr.Rdev;
        st->Size = (long)attr.Size;
        st->BlkSize = attr.BlockSize;
        st->Blocks = (long)attr.Blocks;
        st->Atime = Timespec.FromNanoseconds(attr.AtimeNs);
        st->Mtime = Timespec.FromNanoseconds(attr.MtimeNs);
        st->Ctime = Timespec.FromNanoseconds(attr.CtimeNs);
    }

    public static void ToEntryParam(in EntryReply entry, FuseEntryParam* e)
    {
        e->Ino = entry.Attr.Ino;
        e->Generation = entry.Generation;
        ToStat(entry.Attr, &e->Attr);
        e->AttrTimeout = entry.AttrTimeoutSeconds;
        e->EntryTimeout = entry.EntryTimeoutSeconds;
    }

    public static FuseFileInfo ToFileInfo(in OpenReply open)
    {
        var fi = new FuseFileInfo { Fh = open.Handle };
        if (open.DirectIo) fi.Bits |= FuseFileInfo.DirectIoBit;
        if (open.KeepCache) fi.Bits |= FuseFileInfo.KeepCacheBit;
        return fi;
    }

    public static void ToStatVfs(in StatFsReply s, NativeStatVfs* st)
    {
        *st = default;
        st->Bsize = s.BlockSize;
        st->Frsize = s.FragmentSize;
        st->Blocks = s.Blocks;
        st->Bfree = s.BlocksFree;
        st->Bavail = s.BlocksAvailable;
        st->Files = s.Files;
        st->Ffree = s.FilesFree;
        st->Favail = s.FilesAvailable;
        st->Namemax = s.NameMax;
    }

    /// <summary>Replies with bytes that libfuse expects NUL-terminated (readlink).</summary>
    public static int ReadLink(nint req, byte[] target)
    {
        const int stackLimit = 1024;
        if (target.Length < stackLimit)
        {
            byte* z = stackalloc byte[target.Length + 1];
            target.CopyTo(new Span<byte>(z, target.Length));
            z[target.Length] = 0;
            return FuseNative.fuse_reply_readlink(req, z);
        }
        var copy = new byte[target.Length + 1];
        target.CopyTo(copy, 0);
        fixed (byte* p = copy)
            return FuseNative.fuse_reply_readlink(req, p);
    }
}
