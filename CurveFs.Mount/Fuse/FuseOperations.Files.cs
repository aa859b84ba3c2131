using System.Buffers;
using System.Runtime.InteropServices;

namespace CurveFs.Mount.Fuse;

// File operations: open, create, read, write, flush, release, fsync, fallocate.
internal static unsafe partial class FuseOperations
{
    [UnmanagedCallersOnly]
    private static void Open(nint req, ulong ino, FuseFileInfo* fi)
    {
        FuseDispatcher? d = null;
        try
        {
            d = FuseDispatcher.FromRequest(req);
            var task = d.Vfs.OpenAsync(Context(req), ino, fi->Flags);
            FuseFirewall.Complete(d, req, "open", ino, task, new OpenReplier(d, "open", ino, directory: false));
        }
        catch (Exception ex)
        {
            FuseFirewall.Fail(d, req, "open", ino, ex);
        }
    }

    [UnmanagedCallersOnly]
    private static void Create(nint req, ulong parent, byte* name, uint mode, FuseFileInfo* fi)
    {
        FuseDispatcher? d = null;
        try
        {
            d = FuseDispatcher.FromRequest(req);
            var task = d.Vfs.CreateAsync(Context(req), parent, CopyName(name), mode, fi->Flags);
            FuseFirewall.Complete(d, req, "create", parent, task, new CreateReplier(d));
        }
        catch (Exception ex)
        {
            FuseFirewall.Fail(d, req, "create", parent, ex);
        }
    }

    [UnmanagedCallersOnly]
    private static void Read(nint req, ulong ino, nuint size, long off, FuseFileInfo* fi)
    {
        FuseDispatcher? d = null;
        byte[]? buffer = null;
        try
        {
            d = FuseDispatcher.FromRequest(req);
            int length = checked((int)size);
            buffer = ArrayPool<byte>.Shared.Rent(length);
            var replier = new ReadReplier(buffer, length);
            var task = d.Vfs.ReadAsync(Context(req), ino, fi->Fh, off, buffer.AsMemory(0, length));
            buffer = null; // the replier returns it once the task is done
            FuseFirewall.Complete(d, req, "read", ino, task, replier);
        }
        catch (Exception ex)
        {
            FuseFirewall.Fail(d, req, "read", ino, ex);
            if (buffer is not null) ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    [UnmanagedCallersOnly]
    private static void Write(nint req, ulong ino, byte* buf, nuint size, long off, FuseFileInfo* fi)
    {
        FuseDispatcher? d = null;
        byte[]? buffer = null;
        try
        {
            d = FuseDispatcher.FromRequest(req);
            int length = checked((int)size);
            buffer = ArrayPool<byte>.Shared.Rent(length);
            new ReadOnlySpan<byte>(buf, length).CopyTo(buffer);
            var replier = new WriteReplier(buffer, length);
            var task = d.Vfs.WriteAsync(Context(req), ino, fi->Fh, off, buffer.AsMemory(0, length));
            buffer = null; // the replier returns it once the task is done
            FuseFirewall.Complete(d, req, "write", ino, task, replier);
        }
        catch (Exception ex)
        {
            FuseFirewall.Fail(d, req, "write", ino, ex);
            if (buffer is not null) ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    [UnmanagedCallersOnly]
    private static void Flush(nint req, ulong ino, FuseFileInfo* fi)
    {
        FuseDispatcher? d = null;
        try
        {
            d = FuseDispatcher.FromRequest(req);
            var task = d.Vfs.FlushAsync(Context(req), ino, fi->Fh);
            FuseFirewall.Complete(d, req, "flush", ino, task, new ErrnoReplier());
        }
        catch (Exception ex)
        {
            FuseFirewall.Fail(d, req, "flush", ino, ex);
        }
    }

    [UnmanagedCallersOnly]
    private static void Release(nint req, ulong ino, FuseFileInfo* fi)
    {
        FuseDispatcher? d = null;
        try
        {
            d = FuseDispatcher.FromRequest(req);
            var task = d.Vfs.ReleaseAsync(ino, fi->Fh);
            FuseFirewall.Complete(d, req, "release", ino, task, new ErrnoReplier());
        }
        catch (Exception ex)
        {
            FuseFirewall.Fail(d, req, "release", ino, ex);
        }
    }

    [UnmanagedCallersOnly]
    private static void Fsync(nint req, ulong ino, int datasync, FuseFileInfo* fi)
    {
        FuseDispatcher? d = null;
        try
        {
            d = FuseDispatcher.FromRequest(req);
            var task = d.Vfs.FsyncAsync(Context(req), ino, fi->Fh, datasync != 0);
            FuseFirewall.Complete(d, req, "fsync", ino, task, new ErrnoReplier());
        }
        catch (Exception ex)
        {
            FuseFirewall.Fail(d, req, "fsync", ino, ex);
        }
    }

    [UnmanagedCallersOnly]
    private static void Fallocate(nint req, ulong ino, int mode, long offset, long length, FuseFileInfo* fi)
    {
        FuseDispatcher? d = null;
        try
        {
            d = FuseDispatcher.FromRequest(req);
            var task = d.Vfs.FallocateAsync(Context(req), ino, fi->Fh, mode, offset, length);
            FuseFirewall.Complete(d, req, "fallocate", ino, task, new ErrnoReplier());
        }
        catch (Exception ex)
        {
            FuseFirewall.Fail(d, req, "fallocate", ino, ex);
        }
    }
}
