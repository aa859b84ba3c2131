using System.Diagnostics;

namespace CurveFs.Benchmarks;

/// <summary>A CurveFs mount started for a benchmark run: embedded, or a playground cluster.</summary>
public sealed class MountTarget : IDisposable
{
    private readonly string _curvefs;
    private readonly TempDir _dir;
    private readonly bool _cluster;

    private MountTarget(string curvefs, bool cluster)
    {
        _curvefs = curvefs;
        _cluster = cluster;
        _dir = new TempDir(cluster ? "curvefs-bench-cluster-" : "curvefs-bench-embedded-");
        MountPoint = System.IO.Path.Combine(_dir.Path, "mnt");
        Directory.CreateDirectory(MountPoint);
    }

    public string MountPoint { get; }

    public static MountTarget Embedded(string curvefs)
    {
        var target = new MountTarget(curvefs, cluster: false);
        target.Run("mount", "--local", System.IO.Path.Combine(target._dir.Path, "data"), target.MountPoint, "--background");
        return target;
    }

    public static MountTarget Cluster(string curvefs)
    {
        var target = new MountTarget(curvefs, cluster: true);
        var playground = System.IO.Path.Combine(target._dir.Path, "playground");
        var output = target.Run("playground", "up", playground);
        // The last line printed is the mount command; run it in the background with our mount point.
        var mountLine = output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Last(l => l.TrimStart().StartsWith("curvefs mount", StringComparison.Ordinal));
        var words = mountLine.Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1).ToList();
        words[^1] = target.MountPoint;
        words.Add("--background");
        target.Run([.. words]);
        return target;
    }

    private string Run(params string[] args)
    {
        var start = new ProcessStartInfo(_curvefs) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in args) start.ArgumentList.Add(arg);
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        process.WaitForExit();
        if (process.ExitCode != 0) throw new InvalidOperationException($"curvefs {string.Join(' ', args)} failed ({process.ExitCode}): {stderr.Result}{stdout.Result}");
        return stdout.Result;
    }

    public void Dispose()
    {
        try
        {
            Run("umount", MountPoint);
            Thread.Sleep(500);
            if (_cluster) Run("playground", "down", System.IO.Path.Combine(_dir.Path, "playground"));
        }
        catch (InvalidOperationException e)
        {
            Console.Error.WriteLine($"curvefs-bench: cleanup: {e.Message}");
        }
        _dir.Dispose();
    }
}
