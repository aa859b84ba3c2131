using CurveFs.Mount.Cli;
using CurveFs.Mount.Fuse;

namespace CurveFs.Mount.Hosting;

/// <summary>
/// -d/--background: starts the same mount command again in the foreground as a background process
/// (see <see cref="BackgroundProcess"/>), waits until the mount point is mounted and returns. If the
/// child fails first, its log is shown.
/// </summary>
internal static class Daemonizer
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);

    public static int StartInBackground(MountRequest request, string mountPoint, string logDirectory)
    {
        var logFile = Path.GetFullPath(request.LogFile ?? Path.Combine(logDirectory, "curvefs.log"));
        var (program, args) = BackgroundProcess.Sibling(null);
        args.AddRange(Environment.GetCommandLineArgs().Skip(1).Where(a => a is not "-d" and not "--background"));
        var logStart = File.Exists(logFile) ? new FileInfo(logFile).Length : 0;
        using var child = BackgroundProcess.Start(program, args, logFile);
        var deadline = DateTime.UtcNow + StartTimeout;
        while (DateTime.UtcNow < deadline)
        {
            if (FuseMountTable.IsMounted(mountPoint))
            {
                Console.WriteLine($"curvefs: mounted at {mountPoint} (pid {child.Id}, log {logFile}); unmount with: curvefs umount {mountPoint}");
                return 0;
            }
            if (child.HasExited)
            {
                Console.Error.WriteLine($"curvefs mount: the background mount process exited with code {child.ExitCode}; its log ({logFile}) says:");
                Console.Error.Write(BackgroundProcess.ReadFrom(logFile, logStart));
                return child.ExitCode == 0 ? 1 : child.ExitCode;
            }
            Thread.Sleep(50);
        }
        Console.Error.WriteLine($"curvefs mount: {mountPoint} was not mounted within {StartTimeout.TotalSeconds} s; see {logFile}");
        return 1;
    }
}
