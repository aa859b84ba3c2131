using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;

namespace CurveFs.Mount.Hosting;

/// <summary>The process's log: one line per event with a timestamp, to standard error or a file.</summary>
internal static class Logging
{
    public static ILoggerFactory Create(string? logFile, bool verbose)
    {
        if (logFile is not null)
        {
            // Background mounts: standard error is redirected to the file by the parent (see Daemonizer).
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(logFile))!);
        }
        return LoggerFactory.Create(builder =>
        {
            builder.SetMinimumLevel(verbose ? LogLevel.Debug : LogLevel.Information);
            builder.AddSimpleConsole(o =>
            {
                o.SingleLine = true;
                o.TimestampFormat = "yyyy-MM-dd HH:mm:ss.fff ";
                o.UseUtcTimestamp = false;
                o.ColorBehavior = LoggerColorBehavior.Disabled;
            });
            builder.AddFilter("Microsoft", LogLevel.Warning);
            builder.AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
        });
    }
}
