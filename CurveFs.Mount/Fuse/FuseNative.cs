using System.Runtime.InteropServices;

namespace CurveFs.Mount.Fuse;

/// <summary>The libfuse3 (3.14) entry points the binding uses. Reply functions may be called from any thread.</summary>
internal static unsafe partial class FuseNative
{
    private const string Lib = "libfuse3.so.3";

    public const int FuseLogErr = 3;
    public const int FuseLogWarning = 4;
    public const int FuseLogNotice = 5;
    public const int FuseLogInfo = 6;

    // Arguments and session.
    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int fuse_opt_add_arg(FuseArgs* args, string arg);

    [LibraryImport(Lib)]
    public static partial void fuse_opt_free_args(FuseArgs* args);

    [LibraryImport(Lib)]
    public static partial nint fuse_session_new(FuseArgs* args, FuseLowLevelOps* op, nuint opSize, nint userdata);

    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int fuse_session_mount(nint se, string mountpoint);

    [LibraryImport(Lib)]
    public static partial void fuse_session_unmount(nint se);

    [LibraryImport(Lib)]
    public static partial void fuse_session_destroy(nint se);

    [LibraryImport(Lib)]
    public static partial void fuse_session_exit(nint se);

    /// <summary>off &lt; 0: invalidate the inode's attributes only; returns 0 or -errno (-ENOENT: the kernel does not know it).</summary>
    [LibraryImport(Lib)]
    public static partial int fuse_lowlevel_notify_inval_inode(nint se, ulong ino, long off, long len);

    [LibraryImport(Lib)]
    public static partial int fuse_session_fd(nint se);

    // The multi-threaded loop. The unversioned fuse_session_loop_mt symbol is versioned in the
    // library; fuse_session_loop_mt_312 is the one that takes a fuse_loop_config.
    [LibraryImport(Lib)]
    public static partial nint fuse_loop_cfg_create();

    [LibraryImport(Lib)]
    public static partial void fuse_loop_cfg_destroy(nint config);

    [LibraryImport(Lib)]
    public static partial void fuse_loop_cfg_set_max_threads(nint config, uint value);

    [LibraryImport(Lib)]
    public static partial void fuse_loop_cfg_set_clone_fd(nint config, uint value);

    [LibraryImport(Lib)]
    public static partial int fuse_session_loop_mt_312(nint se, nint config);

    // Requests. These do not block and do not call back, so they skip the GC transition.
    [LibraryImport(Lib), SuppressGCTransition]
    public static partial FuseCtx* fuse_req_ctx(nint req);

    [LibraryImport(Lib), SuppressGCTransition]
    public static partial nint fuse_req_userdata(nint req);

    [LibraryImport(Lib), SuppressGCTransition]
    public static partial nuint fuse_add_direntry(nint req, byte* buf, nuint bufsize, byte* name, NativeStat* stbuf, long off);

    [LibraryImport(Lib), SuppressGCTransition]
    public static partial nuint fuse_add_direntry_plus(nint req, byte* buf, nuint bufsize, byte* name, FuseEntryParam* e, long off);

    // Replies (each writes to /dev/fuse). They return 0 or -errno when the reply could not be sent,
    // for example -ENOENT when the kernel gave up on the request (interrupted).
    [LibraryImport(Lib)]
    public static partial int fuse_reply_err(nint req, int err);

    [LibraryImport(Lib)]
    public static partial void fuse_reply_none(nint req);

    [LibraryImport(Lib)]
    public static partial int fuse_reply_entry(nint req, FuseEntryParam* e);

    [LibraryImport(Lib)]
    public static partial int fuse_reply_create(nint req, FuseEntryParam* e, FuseFileInfo* fi);

    [LibraryImport(Lib)]
    public static partial int fuse_reply_attr(nint req, NativeStat* attr, double attrTimeout);

    [LibraryImport(Lib)]
    public static partial int fuse_reply_readlink(nint req, byte* link);

    [LibraryImport(Lib)]
    public static partial int fuse_reply_open(nint req, FuseFileInfo* fi);

    [LibraryImport(Lib)]
    public static partial int fuse_reply_write(nint req, nuint count);

    [LibraryImport(Lib)]
    public static partial int fuse_reply_buf(nint req, byte* buf, nuint size);

    [LibraryImport(Lib)]
    public static partial int fuse_reply_statfs(nint req, NativeStatVfs* stbuf);

    [LibraryImport(Lib)]
    public static partial int fuse_reply_xattr(nint req, nuint count);

    // Logging: libfuse reports mount and option errors through this hook instead of stderr.
    [LibraryImport(Lib)]
    public static partial void fuse_set_log_func(delegate* unmanaged<int, byte*, nint, void> func);

    /// <summary>glibc vsnprintf; on x86_64 a va_list parameter arrives as a pointer, which is passed on as is.</summary>
    [LibraryImport("libc")]
    public static partial int vsnprintf(byte* buffer, nuint size, byte* format, nint args);
}
