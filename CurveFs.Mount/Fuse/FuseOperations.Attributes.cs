using CurveFs.Common.Meta;
using System.Runtime.InteropServices;
using CurveFs.Mount.Vfs;

namespace CurveFs.Mount.Fuse;

// Attribute operations: getattr, setattr, readlink, access, statfs; and init/destroy.
internal static unsafe partial class FuseOperations
{
    // The FUSE_SET_ATTR_* bits AttrFields names. libfuse's low-level layer sends no others while
    // FUSE_CAP_HANDLE_KILLPRIV is off.
    private const uint KnownSetAttrBits = (uint)(AttrFields.Mode | AttrFields.Uid | AttrFields.Gid
        | AttrFields.Size | AttrFields.Atime | AttrFields.Mtime | AttrFields.AtimeNow
        | AttrFields.MtimeNow | AttrFields.Ctime);

    [UnmanagedCallersOnly]
    private static void Init(nint userdata, FuseConnInfo* conn)
    {
        FuseDispatcher? d = null;
        try
        {
            d = FuseDispatcher.FromUserData(userdata);
            d.OnInit(conn);
        }
        catch (Exception ex)
        {
            FuseFirewall.LogThrew(d, "init", 1, ex);
        }
    }

    [UnmanagedCallersOnly]
    private static void Destroy(nint userdata)
    {
        FuseDispatcher? d = null;
        try
        {
            d = FuseDispatcher.FromUserData(userdata);
            d.OnDestroy();
        }
        catch (Exception ex)
        {
            FuseFirewall.LogThrew(d, "destroy", 1, ex);
        }
    }

    [UnmanagedCallersOnly]
    private static void GetAttr(nint req, ulong ino, FuseFileInfo* fi)
    {
        FuseDispatcher? d = null;
        try
        {
            d = FuseDispatcher.FromRequest(req);
            ulong? handle = fi == null ? null : fi->Fh;
            var task = d.Vfs.GetAttrAsync(Context(req), ino, handle);
            FuseFirewall.Complete(d, req, "getattr", ino, task, new AttrReplier());
        }
        catch (Exception ex)
        {
            FuseFirewall.Fail(d, req, "getattr", ino, ex);
        }
    }

    [UnmanagedCallersOnly]
    private static void SetAttr(nint req, ulong ino, NativeStat* attr, int toSet, FuseFileInfo* fi)
    {
        FuseDispatcher? d = null;
        try
        {
            d = FuseDispatcher.FromRequest(req);
            var request = new SetAttrRequest(
                (AttrFields)((uint)toSet & KnownSetAttrBits),
                attr->Mode, attr->Uid, attr->Gid, (ulong)attr->Size,
                attr->Atime.ToNanoseconds(), attr->Mtime.ToNanoseconds(), attr->Ctime.ToNanoseconds(),
                fi == null ? null : fi->Fh);
            var task = d.Vfs.SetAttrAsync(Context(req), ino, request);
            FuseFirewall.Complete(d, req, "setattr", ino, task, new AttrReplier());
        }
        catch (Exception ex)
        {
            FuseFirewall.Fail(d, req, "setattr", ino, ex);
        }
    }

    [UnmanagedCallersOnly]
    private static void ReadLink(nint req, ulong ino)
    {
        FuseDispatcher? d = null;
        try
        {
            d = FuseDispatcher.FromRequest(req);
            var task = d.Vfs.ReadLinkAsync(Context(req), ino);
            FuseFirewall.Complete(d, req, "readlink", ino, task, new ReadLinkReplier());
        }
        catch (Exception ex)
        {
            FuseFirewall.Fail(d, req, "readlink", ino, ex);
        }
    }

    [UnmanagedCallersOnly]
    private static void Access(nint req, ulong ino, int mask)
    {
        FuseDispatcher? d = null;
        try
        {
            d = FuseDispatcher.FromRequest(req);
            var task = d.Vfs.AccessAsync(Context(req), ino, mask);
            FuseFirewall.Complete(d, req, "access", ino, task, new ErrnoReplier());
        }
        catch (Exception ex)
        {
            FuseFirewall.Fail(d, req, "access", ino, ex);
        }
    }

    [UnmanagedCallersOnly]
    private static void StatFs(nint req, ulong ino)
    {
        FuseDispatcher? d = null;
        try
        {
            d = FuseDispatcher.FromRequest(req);
            var task = d.Vfs.StatFsAsync(Context(req), ino);
            FuseFirewall.Complete(d, req, "statfs", ino, task, new StatFsReplier());
        }
        catch (Exception ex)
        {
            FuseFirewall.Fail(d, req, "statfs", ino, ex);
        }
    }
}
