using System.Runtime.InteropServices;

namespace CurveFs.Mount.Fuse;

// Extended attributes: setxattr, getxattr, listxattr, removexattr.
internal static unsafe partial class FuseOperations
{
    [UnmanagedCallersOnly]
    private static void SetXattr(nint req, ulong ino, byte* name, byte* value, nuint size, int flags)
    {
        FuseDispatcher? d = null;
        try
        {
            d = FuseDispatcher.FromRequest(req);
            byte[] copy = new ReadOnlySpan<byte>(value, checked((int)size)).ToArray();
            var task = d.Vfs.SetXattrAsync(Context(req), ino, XattrName(name), copy, flags);
            FuseFirewall.Complete(d, req, "setxattr", ino, task, new ErrnoReplier());
        }
        catch (Exception ex)
        {
            FuseFirewall.Fail(d, req, "setxattr", ino, ex);
        }
    }

    [UnmanagedCallersOnly]
    private static void GetXattr(nint req, ulong ino, byte* name, nuint size)
    {
        FuseDispatcher? d = null;
        try
        {
            d = FuseDispatcher.FromRequest(req);
            var task = d.Vfs.GetXattrAsync(Context(req), ino, XattrName(name));
            FuseFirewall.Complete(d, req, "getxattr", ino, task, new XattrReplier(checked((int)size)));
        }
        catch (Exception ex)
        {
            FuseFirewall.Fail(d, req, "getxattr", ino, ex);
        }
    }

    [UnmanagedCallersOnly]
    private static void ListXattr(nint req, ulong ino, nuint size)
    {
        FuseDispatcher? d = null;
        try
        {
            d = FuseDispatcher.FromRequest(req);
            var task = d.Vfs.ListXattrAsync(Context(req), ino);
            FuseFirewall.Complete(d, req, "listxattr", ino, task, new XattrReplier(checked((int)size)));
        }
        catch (Exception ex)
        {
            FuseFirewall.Fail(d, req, "listxattr", ino, ex);
        }
    }

    [UnmanagedCallersOnly]
    private static void RemoveXattr(nint req, ulong ino, byte* name)
    {
        FuseDispatcher? d = null;
        try
        {
            d = FuseDispatcher.FromRequest(req);
            var task = d.Vfs.RemoveXattrAsync(Context(req), ino, XattrName(name));
            FuseFirewall.Complete(d, req, "removexattr", ino, task, new ErrnoReplier());
        }
        catch (Exception ex)
        {
            FuseFirewall.Fail(d, req, "removexattr", ino, ex);
        }
    }
}
