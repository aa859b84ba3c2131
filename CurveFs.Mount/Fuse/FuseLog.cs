using System.Runtime.InteropServices;
using System.Text;
using Microsoft.Extensions.Logging;

namespace CurveFs.Mount.Fuse;

/// <summary>
/// Routes libfuse's own messages ("fuse: unknown option", "fuse: bad mount point ...") to an ILogger.
/// libfuse has one process-wide log hook, so the most recently constructed session's logger wins.
/// The last error-level message of each thread is kept so a failed mount can say why.
/// </summary>
internal static unsafe class FuseLog
{
    private static ILogger? s_logger;
    private static int s_installed;

    [ThreadStatic]
    private static string? t_lastError;

    public static void Install(ILogger logger)
    {
        Volatile.Write(ref s_logger, logger);
        if (Interlocked.Exchange(ref s_installed, 1) == 0)
            FuseNative.fuse_set_log_func(&OnMessage);
    }

    /// <summary>Returns and clears the last error message libfuse logged on this thread.</summary>
    public static string? TakeLastError()
    {
        string? message = t_lastError;
        t_lastError = null;
        return message;
    }

    [UnmanagedCallersOnly]
    private static void OnMessage(int level, byte* format, nint args)
    {
        try
        {
            const int capacity = 1024;
            byte* buffer = stackalloc byte[capacity];
            int n = FuseNative.vsnprintf(buffer, capacity, format, args);
            if (n < 0) return;
            string message = Encoding.UTF8.GetString(buffer, Math.Min(n, capacity - 1)).TrimEnd('\n');
            if (level <= FuseNative.FuseLogErr) t_lastError = message;
            ILogger? logger = Volatile.Read(ref s_logger);
            if (logger is null) return;
            LogLevel logLevel = level switch
            {
                <= FuseNative.FuseLogErr => LogLevel.Error,
                FuseNative.FuseLogWarning => LogLevel.Warning,
                FuseNative.FuseLogNotice or FuseNative.FuseLogInfo => LogLevel.Information,
                _ => LogLevel.Debug,
            };
            logger.Log(logLevel, "libfuse: {Message}", message);
        }
        catch
        {
            // Nothing may unwind into libfuse; a lost log line is the lesser harm.
        }
    }
}
