using System.Runtime.InteropServices;
using CurveFs.Common.Fs;
using CurveFs.Mount.Vfs;
using Microsoft.Extensions.Logging;

namespace CurveFs.Mount.Fuse;

/// <summary>What the kernel and libfuse agreed on in FUSE_INIT.</summary>
public sealed record FuseConnection(
    uint ProtocolMajor, uint ProtocolMinor, uint MaxWrite, uint MaxRead, uint MaxReadahead,
    uint MaxBackground, uint CongestionThreshold, uint Capable, uint Want);

/// <summary>Connection parameters the binding asks for in init.</summary>
internal readonly record struct FuseConnectionSettings(uint MaxWrite, uint MaxBackground);

/// <summary>
/// The per-session state the static trampolines reach through the session's userdata (a GCHandle):
/// the VFS, the logger, and the count of replies still owed by asynchronous completions.
/// </summary>
internal sealed partial class FuseDispatcher(IVfs vfs, ILogger logger, FuseConnectionSettings settings)
{
    /// <summary>Lookups of names with this prefix in the root, while the session is exiting, only wake the loop.</summary>
    public static ReadOnlySpan<byte> WakeupNamePrefix => ".curvefs-exit-wakeup-"u8;

    private int _pendingReplies;
    private volatile bool _exiting;

    public IVfs Vfs { get; } = vfs;
    public ILogger Logger { get; } = logger;
    public FuseConnectionSettings Settings { get; } = settings;

    /// <summary>The fuse_session pointer, set right after fuse_session_new.</summary>
    public nint Session { get; set; }

    public FuseConnection? Connection { get; private set; }
    public Exception? InitFailure { get; private set; }

    public int PendingReplies => Volatile.Read(ref _pendingReplies);

    public bool Exiting
    {
        get => _exiting;
        set => _exiting = value;
    }

    public static FuseDispatcher FromRequest(nint req) =>
        GCHandle<FuseDispatcher>.FromIntPtr(FuseNative.fuse_req_userdata(req)).Target;

    public static FuseDispatcher FromUserData(nint userdata) =>
        GCHandle<FuseDispatcher>.FromIntPtr(userdata).Target;

    public void BeginAsyncReply() => Interlocked.Increment(ref _pendingReplies);

    public void EndAsyncReply() => Interlocked.Decrement(ref _pendingReplies);

    /// <summary>Negotiates the connection in FUSE_INIT, then initialises the VFS.</summary>
    public unsafe void OnInit(FuseConnInfo* conn)
    {
        // Wanted when the kernel offers them. libfuse already turns most of these on by default.
        const uint wanted = FuseCapabilities.AsyncRead | FuseCapabilities.ParallelDirops
            | FuseCapabilities.ReaddirPlus | FuseCapabilities.ReaddirPlusAuto | FuseCapabilities.ExportSupport;
        // Never: page-cache write-back and local lock semantics are the VFS's call, not the kernel's;
        // O_TRUNC arrives as a setattr (size 0) so it goes through one code path; suid/sgid are cleared
        // by the kernel (a setattr) rather than being the VFS's job on every write.
        const uint unwanted = FuseCapabilities.WritebackCache | FuseCapabilities.PosixLocks
            | FuseCapabilities.FlockLocks | FuseCapabilities.AtomicOTrunc | FuseCapabilities.HandleKillpriv;

        conn->Want = (conn->Want | (conn->Capable & wanted)) & ~unwanted;
        if (Settings.MaxWrite > 0 && Settings.MaxWrite < conn->MaxWrite)
            conn->MaxWrite = Settings.MaxWrite;
        if (Settings.MaxBackground > 0)
        {
            conn->MaxBackground = Settings.MaxBackground;
            conn->CongestionThreshold = Settings.MaxBackground * 3 / 4;
        }

        Connection = new FuseConnection(conn->ProtoMajor, conn->ProtoMinor, conn->MaxWrite, conn->MaxRead,
            conn->MaxReadahead, conn->MaxBackground, conn->CongestionThreshold, conn->Capable, conn->Want);
        LogConnection(Logger, conn->ProtoMajor, conn->ProtoMinor, conn->MaxWrite, conn->MaxReadahead,
            conn->MaxBackground, conn->Capable, conn->Want);

        try
        {
            Vfs.Init();
        }
        catch (Exception ex)
        {
            // There is no way to fail FUSE_INIT from the callback; end the loop instead and let Run report it.
            InitFailure = ex;
            LogInitFailed(Logger, ex);
            if (Session != 0) FuseNative.fuse_session_exit(Session);
        }
    }

    public void OnDestroy()
    {
        try
        {
            Vfs.Destroy();
        }
        catch (Exception ex)
        {
            LogDestroyFailed(Logger, ex);
        }
    }

    /// <summary>Runs after a fuse_reply_* call returned an error, so it must not throw.</summary>
    public void ReplyNotSent(string op, ulong ino, int error)
    {
        try
        {
            LogReplyNotSent(Logger, op, ino, error);
        }
        catch
        {
            // The request has had its one reply attempt; a throwing logger must not cause a second.
        }
    }

    /// <summary>The kernel did not take an entry reply (request interrupted): undo its lookup count.</summary>
    public void ForgetUnsent(string op, ulong ino)
    {
        if (ino == 0) return;
        try
        {
            Vfs.Forget(ino, 1);
        }
        catch (Exception ex)
        {
            LogCallbackFailed(Logger, ex, "forget", op, ino);
        }
    }

    /// <summary>The kernel did not take an open reply: it will never send release, so release here.</summary>
    public void ReleaseUnsent(string op, ulong ino, ulong handle, bool directory)
    {
        try
        {
            ValueTask<Errno> release = directory ? Vfs.ReleaseDirAsync(ino, handle) : Vfs.ReleaseAsync(ino, handle);
            if (release.IsCompleted) _ = release.Result;
            else _ = ObserveAsync(release, op, ino);
        }
        catch (Exception ex)
        {
            LogCallbackFailed(Logger, ex, directory ? "releasedir" : "release", op, ino);
        }
    }

    private async Task ObserveAsync(ValueTask<Errno> task, string op, ulong ino)
    {
        try
        {
            await task.ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            LogCallbackFailed(Logger, ex, "release", op, ino);
        }
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Error, Message = "FUSE {Op} on inode {Ino} failed; replied EIO")]
    public static partial void LogOpFailed(ILogger logger, Exception exception, string op, ulong ino);

    [LoggerMessage(EventId = 8, Level = LogLevel.Error, Message = "FUSE {Op} on inode {Ino} threw")]
    public static partial void LogOpThrew(ILogger logger, Exception exception, string op, ulong ino);

    [LoggerMessage(EventId = 2, Level = LogLevel.Debug, Message = "FUSE {Op} on inode {Ino}: {Errno} ({Reason})")]
    public static partial void LogOpErrno(ILogger logger, string op, ulong ino, Errno errno, string reason);

    [LoggerMessage(EventId = 3, Level = LogLevel.Debug, Message = "FUSE {Op} on inode {Ino}: the reply was not delivered (error {Error}); the request was probably interrupted")]
    private static partial void LogReplyNotSent(ILogger logger, string op, ulong ino, int error);

    [LoggerMessage(EventId = 4, Level = LogLevel.Error, Message = "FUSE {Callback} after an undelivered {Op} reply on inode {Ino} failed")]
    public static partial void LogCallbackFailed(ILogger logger, Exception exception, string callback, string op, ulong ino);

    [LoggerMessage(EventId = 5, Level = LogLevel.Information, Message = "FUSE connection up: protocol {Major}.{Minor}, max_write {MaxWrite}, max_readahead {MaxReadahead}, max_background {MaxBackground}, capable 0x{Capable:x}, want 0x{Want:x}")]
    private static partial void LogConnection(ILogger logger, uint major, uint minor, uint maxWrite, uint maxReadahead, uint maxBackground, uint capable, uint want);

    [LoggerMessage(EventId = 6, Level = LogLevel.Critical, Message = "VFS initialisation failed; ending the FUSE session")]
    private static partial void LogInitFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 7, Level = LogLevel.Error, Message = "VFS destroy failed; buffered data may not have been flushed")]
    private static partial void LogDestroyFailed(ILogger logger, Exception exception);
}
