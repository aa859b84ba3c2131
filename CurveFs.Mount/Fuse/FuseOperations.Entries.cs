using System.Runtime.InteropServices;
using CurveFs.Common.Fs;
using CurveFs.Mount.Vfs;

namespace CurveFs.Mount.Fuse;

// Namespace operations: lookup, forget, mknod, mkdir, unlink, rmdir, symlink, rename, link.
internal static unsafe partial class FuseOperations
{
    [UnmanagedCallersOnly]
    private static void Lookup(nint req, ulong parent, byte* name)
    {
        FuseDispatcher? d = null;
        try
        {
            d = FuseDispatcher.FromRequest(req);
            if (IsWakeup(d, parent, name))
            {
                FuseReply.Error(req, Errno.ENOENT);
                return;
            }
            var task = d.Vfs.LookupAsync(Context(req), parent, CopyName(name));
            FuseFirewall.Complete(d, req, "lookup", parent, task, new EntryReplier(d, "lookup"));
        }
        catch (Exception ex)
        {
            FuseFirewall.Fail(d, req, "lookup", parent, ex);
        }
    }

    [UnmanagedCallersOnly]
    private static void Forget(nint req, ulong ino, ulong nlookup)
    {
        FuseDispatcher? d = null;
        try
        {
            d = FuseDispatcher.FromRequest(req);
            d.Vfs.Forget(ino, nlookup);
        }
        catch (Exception ex)
        {
            FuseFirewall.LogThrew(d, "forget", ino, ex);
        }
        FuseNative.fuse_reply_none(req);
    }

    [UnmanagedCallersOnly]
    private static void ForgetMulti(nint req, nuint count, FuseForgetData* forgets)
    {
        FuseDispatcher? d = null;
        try
        {
            d = FuseDispatcher.FromRequest(req);
        }
        catch (Exception ex)
        {
            FuseFirewall.LogThrew(d, "forget_multi", 0, ex);
        }
        if (d is not null)
        {
            for (nuint i = 0; i < count; i++)
            {
                try
                {
                    d.Vfs.Forget(forgets[i].Ino, forgets[i].Nlookup);
                }
                catch (Exception ex)
                {
                    FuseFirewall.LogThrew(d, "forget_multi", forgets[i].Ino, ex);
                }
            }
        }
        FuseNative.fuse_reply_none(req);
    }

    [UnmanagedCallersOnly]
    private static void Mknod(nint req, ulong parent, byte* name, uint mode, ulong rdev)
    {
        FuseDispatcher? d = null;
        try
        {
            d = FuseDispatcher.FromRequest(req);
            var task = d.Vfs.MknodAsync(Context(req), parent, CopyName(name), mode, rdev);
            FuseFirewall.Complete(d, req, "mknod", parent, task, new EntryReplier(d, "mknod"));
        }
        catch (Exception ex)
        {
            FuseFirewall.Fail(d, req, "mknod", parent, ex);
        }
    }

    [UnmanagedCallersOnly]
    private static void Mkdir(nint req, ulong parent, byte* name, uint mode)
    {
        FuseDispatcher? d = null;
        try
        {
            d = FuseDispatcher.FromRequest(req);
            var task = d.Vfs.MkdirAsync(Context(req), parent, CopyName(name), mode);
            FuseFirewall.Complete(d, req, "mkdir", parent, task, new EntryReplier(d, "mkdir"));
        }
        catch (Exception ex)
        {
            FuseFirewall.Fail(d, req, "mkdir", parent, ex);
        }
    }

    [UnmanagedCallersOnly]
    private static void Unlink(nint req, ulong parent, byte* name)
    {
        FuseDispatcher? d = null;
        try
        {
            d = FuseDispatcher.FromRequest(req);
            var task = d.Vfs.UnlinkAsync(Context(req), parent, CopyName(name));
            FuseFirewall.Complete(d, req, "unlink", parent, task, new ErrnoReplier());
        }
        catch (Exception ex)
        {
            FuseFirewall.Fail(d, req, "unlink", parent, ex);
        }
    }

    [UnmanagedCallersOnly]
    private static void Rmdir(nint req, ulong parent, byte* name)
    {
        FuseDispatcher? d = null;
        try
        {
            d = FuseDispatcher.FromRequest(req);
            var task = d.Vfs.RmdirAsync(Context(req), parent, CopyName(name));
            FuseFirewall.Complete(d, req, "rmdir", parent, task, new ErrnoReplier());
        }
        catch (Exception ex)
        {
            FuseFirewall.Fail(d, req, "rmdir", parent, ex);
        }
    }

    [UnmanagedCallersOnly]
    private static void Symlink(nint req, byte* link, ulong parent, byte* name)
    {
        FuseDispatcher? d = null;
        try
        {
            d = FuseDispatcher.FromRequest(req);
            var task = d.Vfs.SymlinkAsync(Context(req), CopyName(link), parent, CopyName(name));
            FuseFirewall.Complete(d, req, "symlink", parent, task, new EntryReplier(d, "symlink"));
        }
        catch (Exception ex)
        {
            FuseFirewall.Fail(d, req, "symlink", parent, ex);
        }
    }

    [UnmanagedCallersOnly]
    private static void Rename(nint req, ulong parent, byte* name, ulong newParent, byte* newName, uint flags)
    {
        FuseDispatcher? d = null;
        try
        {
            d = FuseDispatcher.FromRequest(req);
            var task = d.Vfs.RenameAsync(Context(req), parent, CopyName(name), newParent, CopyName(newName), flags);
            FuseFirewall.Complete(d, req, "rename", parent, task, new ErrnoReplier());
        }
        catch (Exception ex)
        {
            FuseFirewall.Fail(d, req, "rename", parent, ex);
        }
    }

    [UnmanagedCallersOnly]
    private static void Link(nint req, ulong ino, ulong newParent, byte* newName)
    {
        FuseDispatcher? d = null;
        try
        {
            d = FuseDispatcher.FromRequest(req);
            var task = d.Vfs.LinkAsync(Context(req), ino, newParent, CopyName(newName));
            FuseFirewall.Complete(d, req, "link", ino, task, new EntryReplier(d, "link"));
        }
        catch (Exception ex)
        {
            FuseFirewall.Fail(d, req, "link", ino, ex);
        }
    }
}
