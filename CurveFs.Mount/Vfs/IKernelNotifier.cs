namespace CurveFs.Mount.Vfs;

/// <summary>Tells the kernel to drop what it cached about an inode (FUSE notifications).</summary>
public interface IKernelNotifier
{
    /// <summary>The kernel's cached attributes of the inode are stale: it asks again (GETATTR) before using them.</summary>
    void InvalidateAttributes(ulong ino);
}
