using System.Diagnostics;
using CurveFs.Benchmarks.Cli;
using CurveFs.Benchmarks.Infra;
using CurveFs.Benchmarks.Report;
using CurveFs.Benchmarks.Targets;

namespace CurveFs.Benchmarks.Tar;

/// <summary>
/// <c>tar -xf</c> of the tarball into the target (the tarball is in the page cache), <c>sync -f</c> of the
/// tree, a check that every file arrived, then <c>rm -rf</c> with cold kernel caches. Wall-clock seconds of
/// the programs, as a user would time them.
/// </summary>
public static class TarWorkload
{
    public static TarFigures Run(BenchTarget target, Tarball tarball, BenchOptions options)
    {
        var figures = new TarFigures(target.Kind);
        var name = BenchTarget.Label(target.Kind);
        var dest = Path.Combine(target.Root, "tar-x");
        try
        {
            Directory.CreateDirectory(dest);
            tarball.Warm();
            Progress.Say($"{name}: tar -x of {tarball.Info.Files} files");
            figures.ExtractSeconds = Timed(() => ProcessRunner.RunChecked("tar", ["-xf", tarball.Path, "-C", dest], options.StepTimeout));
            figures.SyncSeconds = Timed(() => ProcessRunner.RunChecked("sync", ["-f", dest], options.StepTimeout));
            var (files, _, bytes) = Tarball.Count(dest);
            if (files != tarball.Info.Files || bytes != tarball.Info.Bytes)
                throw new InvalidOperationException($"tar -x left {files} files of {bytes} bytes; the tarball has {tarball.Info.Files} files of {tarball.Info.Bytes} bytes");
            KernelCaches.Drop();
            Progress.Say($"{name}: rm -rf");
            figures.RemoveSeconds = Timed(() => ProcessRunner.RunChecked("rm", ["-rf", dest], options.StepTimeout));
        }
        catch (Exception e) when (e is InvalidOperationException or TimeoutException or IOException or UnauthorizedAccessException)
        {
            figures.Error = e.Message;
            Progress.Say($"{name}: tar failed: {e.Message}");
            try
            {
                if (Directory.Exists(dest)) ProcessRunner.Run("rm", ["-rf", dest], options.StepTimeout);
            }
            catch (TimeoutException)
            {
                // reported above
            }
        }
        return figures;
    }

    private static double Timed(Action action)
    {
        var watch = Stopwatch.StartNew();
        action();
        return watch.Elapsed.TotalSeconds;
    }
}
