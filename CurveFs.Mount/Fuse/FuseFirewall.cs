using CurveFs.Common.Fs;

namespace CurveFs.Mount.Fuse;

/// <summary>
/// Turns the result of a VFS call into exactly one reply.
/// <see cref="Send"/> does its managed work first and ends with exactly one fuse_reply_* call; nothing
/// after that call may throw (helpers that run after it catch for themselves). So an exception out of
/// <see cref="Send"/> always means no reply went out yet, and the firewall can reply EIO safely.
/// </summary>
internal interface IFuseReplier<T>
{
    void Send(nint req, T result);

    /// <summary>Returns pooled memory the request used; runs once, after the reply.</summary>
    void Release();
}

/// <summary>
/// The boundary between libfuse and managed code: no exception crosses it, every request gets one reply.
/// A VFS call that completed synchronously is answered on the FUSE thread; otherwise the continuation
/// answers (libfuse allows replies from any thread) and the session waits for it before it is destroyed.
/// </summary>
internal static class FuseFirewall
{
    public static void Complete<T, TReplier>(FuseDispatcher d, nint req, string op, ulong ino, ValueTask<T> task, TReplier replier)
        where TReplier : struct, IFuseReplier<T>
    {
        if (task.IsCompleted)
        {
            T result;
            try
            {
                result = task.Result;
            }
            catch (Exception ex)
            {
                Fail(d, req, op, ino, ex);
                Release<T, TReplier>(d, op, ino, replier);
                return;
            }
            Send(d, req, op, ino, result, replier);
            return;
        }

        d.BeginAsyncReply();
        _ = CompleteAsync(d, req, op, ino, task, replier);
    }

    private static async Task CompleteAsync<T, TReplier>(FuseDispatcher d, nint req, string op, ulong ino, ValueTask<T> task, TReplier replier)
        where TReplier : struct, IFuseReplier<T>
    {
        try
        {
            T result;
            try
            {
                result = await task.ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                Fail(d, req, op, ino, ex);
                Release<T, TReplier>(d, op, ino, replier);
                return;
            }
            Send(d, req, op, ino, result, replier);
        }
        finally
        {
            d.EndAsyncReply();
        }
    }

    private static void Send<T, TReplier>(FuseDispatcher d, nint req, string op, ulong ino, T result, TReplier replier)
        where TReplier : struct, IFuseReplier<T>
    {
        try
        {
            replier.Send(req, result);
        }
        catch (Exception ex)
        {
            Fail(d, req, op, ino, ex);
        }
        Release<T, TReplier>(d, op, ino, replier);
    }

    private static void Release<T, TReplier>(FuseDispatcher d, string op, ulong ino, TReplier replier)
        where TReplier : struct, IFuseReplier<T>
    {
        try
        {
            replier.Release();
        }
        catch (Exception ex)
        {
            LogThrew(d, op, ino, ex);
        }
    }

    /// <summary>Replies to a request whose handling threw: the errno of an <see cref="FsException"/>, else EIO
    /// with an error log line naming the operation and inode. The line is written before the reply, so it is
    /// in the log by the time the caller sees the error.</summary>
    public static void Fail(FuseDispatcher? d, nint req, string op, ulong ino, Exception ex)
    {
        bool expected = ex is FsException { Errno: not Errno.Ok };
        Errno errno = expected ? ((FsException)ex).Errno : Errno.EIO;
        try
        {
            if (d is not null && expected) FuseDispatcher.LogOpErrno(d.Logger, op, ino, errno, ex.Message);
            else if (d is not null) FuseDispatcher.LogOpFailed(d.Logger, ex, op, ino);
        }
        catch
        {
            // A logging provider that throws must not cost the request its reply.
        }
        FuseReply.Error(req, errno);
    }

    /// <summary>For failures that have no error reply (forget, cleanup after a reply): log only.</summary>
    public static void LogThrew(FuseDispatcher? d, string op, ulong ino, Exception ex)
    {
        try
        {
            if (d is not null) FuseDispatcher.LogOpThrew(d.Logger, ex, op, ino);
        }
        catch
        {
            // Nothing may unwind into libfuse.
        }
    }
}
