using System.Diagnostics;
using CurveFs.Mount.Cli;
using CurveFs.Mount.Fuse;

namespace CurveFs.Mount.Hosting;

/// <summary>
/// -d/--background: starts the same mount command again in the foreground as a new session leader
/// (setsid), with its output in a log file, waits until the mount point is mounted and returns.
/// If the child fails first, its log tail is shown.
/// </summary>
internal static class Daemonizer
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);

    public static int StartInBackground(MountRequest request, string mountPoint, string dataDir)
    {
        Directory.CreateDirectory(dataDir);
        var logFile = Path.GetFullPath(request.LogFile ?? Path.Combine(dataDir, "curvefs.log"));
        var args = Environment.GetCommandLineArgs().Skip(1).Where(a => a is not "-d" and not "--background").ToList();
        // sh redirects both streams into the log and execs setsid, so the child leaves our session
        // (a terminal hangup does not reach it) and we still know its pid and exit code.
        var host = Environment.ProcessPath!;
        var start = new ProcessStartInfo("/bin/sh") { UseShellExecute = false };
        start.Environment["CURVEFS_LOG_TO"] = logFile;
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add("exec setsid \"$@\" </dev/null >>\"$CURVEFS_LOG_TO\" 2>&1");
        start.ArgumentList.Add("curvefs");
        start.ArgumentList.Add(host);
        // A framework-dependent run (dotnet curvefs.dll) needs the dll too; the apphost does not.
        if (Path.GetFileNameWithoutExtension(host) == "dotnet") start.ArgumentList.Add(typeof(Daemonizer).Assembly.Location);
        foreach (var arg in args) start.ArgumentList.Add(arg);

        var logStart = File.Exists(logFile) ? new FileInfo(logFile).Length : 0;
        using var child = Process.Start(start) ?? throw new IOException("could not start the background mount process");
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
                Console.Error.Write(ReadFrom(logFile, logStart));
                return child.ExitCode == 0 ? 1 : child.ExitCode;
            }
            Thread.Sleep(50);
        }
        Console.Error.WriteLine($"curvefs mount: {mountPoint} was not mounted within {StartTimeout.TotalSeconds} s; see {logFile}");
        return 1;
    }

    private static string ReadFrom(string path, long offset)
    {
        try
        {
            using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            file.Seek(Math.Min(offset, file.Length), SeekOrigin.Begin);
            return new StreamReader(file).ReadToEnd();
        }
        catch (IOException)
        {
            return "";
        }
    }
}
