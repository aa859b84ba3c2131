using CurveFs.Common.Fs;
using CurveFs.Mount.Vfs;
using Microsoft.Extensions.Logging;

namespace CurveFs.Mount.Fuse;

// Notifications to the kernel (fuse_lowlevel_notify_*), used by the VFS for close-to-open.
public sealed unsafe partial class FuseSession : IKernelNotifier
{
    /// <summary>Safe to call while answering a request (the VFS does from open): invalidating attributes
    /// takes no lock the kernel holds for the request.</summary>
    public void InvalidateAttributes(ulong ino)
    {
        var se = Volatile.Read(ref _se);
        if (se == 0) return;
        var result = FuseNative.fuse_lowlevel_notify_inval_inode(se, ino, -1, 0);
        // -ENOENT: the kernel has already forgotten the inode, so it holds nothing stale.
        if (result < 0 && result != -(int)Errno.ENOENT) _logger.LogDebug("invalidating the kernel's attributes of inode {Ino} failed: errno {Errno}", ino, -result);
    }
}
