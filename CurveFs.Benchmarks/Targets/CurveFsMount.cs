using System.Globalization;
using System.Text.RegularExpressions;
using CurveFs.Benchmarks.Infra;

namespace CurveFs.Benchmarks.Targets;

/// <summary>
/// One CurveFs mount driven through the <c>curvefs</c> command line, as a user runs it:
/// <c>curvefs mount ARGS MOUNTPOINT --background</c>, and <c>curvefs umount</c>, which returns once the
/// kernel let go; the mount process then flushes and exits, and <see cref="Unmount"/> waits for that.
/// </summary>
public sealed partial class CurveFsMount(string curvefs, string mountPoint, IReadOnlyList<string> mountArgs, string logFile)
{
    private static readonly TimeSpan CommandTimeout = TimeSpan.FromMinutes(3);
    private static readonly TimeSpan ExitTimeout = TimeSpan.FromMinutes(5);
    private int _pid;

    public string MountPoint { get; } = mountPoint;
    public string LogFile { get; } = logFile;

    public void Mount()
    {
        Directory.CreateDirectory(MountPoint);
        var outcome = ProcessRunner.RunChecked(curvefs, ["mount", .. mountArgs, MountPoint, "--background", "--log-file", LogFile], CommandTimeout);
        var match = PidPattern().Match(outcome.StandardOutput);
        _pid = match.Success ? int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture) : 0;
    }

    public void Unmount()
    {
        ProcessRunner.RunChecked(curvefs, ["umount", MountPoint], CommandTimeout);
        if (_pid > 0 && !ProcessRunner.WaitForExit(_pid, ExitTimeout))
            throw new InvalidOperationException($"the curvefs mount process {_pid} did not exit within {ExitTimeout.TotalMinutes} min after umount; see {LogFile}");
        _pid = 0;
    }

    /// <summary>Unmounts and mounts again: every client cache starts empty.</summary>
    public void Remount()
    {
        Unmount();
        Mount();
    }

    /// <summary>Unmount for cleanup: never throws, says what went wrong.</summary>
    public void UnmountQuietly()
    {
        try
        {
            if (CurveFs.Mount.Fuse.FuseMountTable.IsMounted(MountPoint)) Unmount();
        }
        catch (Exception e) when (e is InvalidOperationException or TimeoutException)
        {
            Console.Error.WriteLine($"curvefs-bench: cleanup of {MountPoint}: {e.Message}");
            try
            {
                CurveFs.Mount.Fuse.FuseMountTable.Unmount(MountPoint, lazy: true);
            }
            catch (CurveFs.Mount.Fuse.FuseException)
            {
                // reported above
            }
        }
    }

    [GeneratedRegex(@"\(pid (\d+)")]
    private static partial Regex PidPattern();
}
