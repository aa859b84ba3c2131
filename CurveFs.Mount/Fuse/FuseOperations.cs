using System.Runtime.InteropServices;
using System.Text;
using CurveFs.Mount.Vfs;

namespace CurveFs.Mount.Fuse;

/// <summary>
/// The [UnmanagedCallersOnly] trampolines libfuse calls, one per low-level operation, split by concern
/// into partial files. Each copies what the request pointers reference (names, data, fuse_file_info
/// fields), calls the VFS inline on the FUSE thread and hands the ValueTask to the firewall.
/// </summary>
internal static unsafe partial class FuseOperations
{
    /// <summary>The ops table. libfuse copies it in fuse_session_new, so a stack copy is enough.</summary>
    public static FuseLowLevelOps Create()
    {
        var ops = default(FuseLowLevelOps);
        ops.Init = &Init;
        ops.Destroy = &Destroy;
        ops.Lookup = &Lookup;
        ops.Forget = &Forget;
        ops.GetAttr = &GetAttr;
        ops.SetAttr = &SetAttr;
        ops.ReadLink = &ReadLink;
        ops.Mknod = &Mknod;
        ops.Mkdir = &Mkdir;
        ops.Unlink = &Unlink;
        ops.Rmdir = &Rmdir;
        ops.Symlink = &Symlink;
        ops.Rename = &Rename;
        ops.Link = &Link;
        ops.Open = &Open;
        ops.Read = &Read;
        ops.Write = &Write;
        ops.Flush = &Flush;
        ops.Release = &Release;
        ops.Fsync = &Fsync;
        ops.OpenDir = &OpenDir;
        ops.ReadDir = &ReadDir;
        ops.ReleaseDir = &ReleaseDir;
        ops.FsyncDir = &FsyncDir;
        ops.StatFs = &StatFs;
        ops.SetXattr = &SetXattr;
        ops.GetXattr = &GetXattr;
        ops.ListXattr = &ListXattr;
        ops.RemoveXattr = &RemoveXattr;
        ops.Access = &Access;
        ops.Create = &Create;
        ops.ForgetMulti = &ForgetMulti;
        ops.Fallocate = &Fallocate;
        ops.ReadDirPlus = &ReadDirPlus;
        // getlk/setlk/flock stay null: the kernel then keeps POSIX and BSD locks local to this mount.
        // bmap, ioctl, poll, write_buf, retrieve_reply, copy_file_range and lseek stay null (ENOSYS;
        // the kernel falls back to its generic code for copy_file_range and lseek).
        return ops;
    }

    private static RequestContext Context(nint req)
    {
        FuseCtx* c = FuseNative.fuse_req_ctx(req);
        return new RequestContext(c->Uid, c->Gid, c->Pid, c->Umask);
    }

    /// <summary>Copies a NUL-terminated name out of the request buffer, which libfuse reuses after the callback.</summary>
    private static byte[] CopyName(byte* name) =>
        MemoryMarshal.CreateReadOnlySpanFromNullTerminated(name).ToArray();

    private static string XattrName(byte* name) =>
        Encoding.UTF8.GetString(MemoryMarshal.CreateReadOnlySpanFromNullTerminated(name));

    private static bool IsWakeup(FuseDispatcher d, ulong parent, byte* name)
    {
        if (!d.Exiting || parent != 1) return false;
        return MemoryMarshal.CreateReadOnlySpanFromNullTerminated(name).StartsWith(FuseDispatcher.WakeupNamePrefix);
    }
}
