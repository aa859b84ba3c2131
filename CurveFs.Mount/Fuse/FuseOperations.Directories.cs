using System.Runtime.InteropServices;

namespace CurveFs.Mount.Fuse;

// Directory handle operations: opendir, readdir, readdirplus, releasedir, fsyncdir.
internal static unsafe partial class FuseOperations
{
    [UnmanagedCallersOnly]
    private static void OpenDir(nint req, ulong ino, FuseFileInfo* fi)
    {
        FuseDispatcher? d = null;
        try
        {
            d = FuseDispatcher.FromRequest(req);
            var task = d.Vfs.OpenDirAsync(Context(req), ino, fi->Flags);
            FuseFirewall.Complete(d, req, "opendir", ino, task, new OpenReplier(d, "opendir", ino, directory: true));
        }
        catch (Exception ex)
        {
            FuseFirewall.Fail(d, req, "opendir", ino, ex);
        }
    }

    [UnmanagedCallersOnly]
    private static void ReadDir(nint req, ulong ino, nuint size, long off, FuseFileInfo* fi) =>
        ReadDirCommon(req, ino, size, off, fi, plus: false);

    [UnmanagedCallersOnly]
    private static void ReadDirPlus(nint req, ulong ino, nuint size, long off, FuseFileInfo* fi) =>
        ReadDirCommon(req, ino, size, off, fi, plus: true);

    private static void ReadDirCommon(nint req, ulong ino, nuint size, long off, FuseFileInfo* fi, bool plus)
    {
        string op = plus ? "readdirplus" : "readdir";
        FuseDispatcher? d = null;
        try
        {
            d = FuseDispatcher.FromRequest(req);
            ulong handle = fi->Fh;
            var task = d.Vfs.ReadDirAsync(Context(req), ino, handle, off, plus);
            FuseFirewall.Complete(d, req, op, ino, task, new ReadDirReplier(d, ino, handle, checked((int)size), plus));
        }
        catch (Exception ex)
        {
            FuseFirewall.Fail(d, req, op, ino, ex);
        }
    }

    [UnmanagedCallersOnly]
    private static void ReleaseDir(nint req, ulong ino, FuseFileInfo* fi)
    {
        FuseDispatcher? d = null;
        try
        {
            d = FuseDispatcher.FromRequest(req);
            var task = d.Vfs.ReleaseDirAsync(ino, fi->Fh);
            FuseFirewall.Complete(d, req, "releasedir", ino, task, new ErrnoReplier());
        }
        catch (Exception ex)
        {
            FuseFirewall.Fail(d, req, "releasedir", ino, ex);
        }
    }

    [UnmanagedCallersOnly]
    private static void FsyncDir(nint req, ulong ino, int datasync, FuseFileInfo* fi)
    {
        FuseDispatcher? d = null;
        try
        {
            d = FuseDispatcher.FromRequest(req);
            var task = d.Vfs.FsyncDirAsync(Context(req), ino, fi->Fh, datasync != 0);
            FuseFirewall.Complete(d, req, "fsyncdir", ino, task, new ErrnoReplier());
        }
        catch (Exception ex)
        {
            FuseFirewall.Fail(d, req, "fsyncdir", ino, ex);
        }
    }
}
