using CurveFs.Benchmarks.Fio;
using CurveFs.Benchmarks.Infra;
using CurveFs.Benchmarks.Micro;
using CurveFs.Benchmarks.Report;
using CurveFs.Benchmarks.S3;
using CurveFs.Benchmarks.SmallFiles;
using CurveFs.Benchmarks.Tar;
using CurveFs.Benchmarks.Targets;

namespace CurveFs.Benchmarks.Cli;

/// <summary>
/// Runs the selected workloads target by target (baselines first), one target mounted at a time, so every
/// figure of a run comes from the same machine state. A target that cannot be set up, or a workload that
/// fails, is reported and the run goes on. Ctrl-C unmounts and stops what the run started.
/// </summary>
public static class BenchDriver
{
    private static readonly List<IDisposable> s_active = [];

    public static BenchReport Run(BenchOptions options)
    {
        var report = new BenchReport(options);
        Console.CancelKeyPress += OnCancel;
        S3Service? s3 = null;
        Tarball? tarball = null;
        try
        {
            Describe(report);
            Check(report, options);
            var fileWorkloads = options.Runs(Workloads.Fio) || options.Runs(Workloads.SmallFiles) || options.Runs(Workloads.Tar);
            foreach (var kind in options.Targets)
            {
                if (kind == TargetKind.S3Raw)
                {
                    if (!options.Runs(Workloads.Fio) && !options.Runs(Workloads.S3)) continue;
                    if (!TryGetS3(options, report, ref s3, kind)) continue;
                    report.S3Raw = Guard(report, "raw S3", () => RawS3Workload.Run(s3!, options));
                    continue;
                }
                if (!fileWorkloads) continue;
                if (kind == TargetKind.Cluster && !TryGetS3(options, report, ref s3, kind)) continue;
                Progress.Say($"{BenchTarget.Label(kind)}: setting up");
                BenchTarget target;
                try
                {
                    target = Create(kind, options, s3);
                }
                catch (Exception e)
                {
                    report.TargetErrors[kind] = e.Message;
                    Progress.Say($"{BenchTarget.Label(kind)}: cannot set up: {e.Message}");
                    continue;
                }
                Track(target);
                try
                {
                    if (options.Runs(Workloads.Fio) && !report.Notes.Contains(FioMissing))
                    {
                        if (Guard(report, $"fio on {BenchTarget.Label(kind)}", () => FioWorkload.Run(target, options)) is { } fio) report.Fio.Add(fio);
                    }
                    if (options.Runs(Workloads.SmallFiles))
                    {
                        if (Guard(report, $"small files on {BenchTarget.Label(kind)}", () => SmallFileWorkload.Run(target, options)) is { } files) report.SmallFiles.AddRange(files);
                    }
                    if (options.Runs(Workloads.Tar))
                    {
                        if (tarball is null)
                        {
                            tarball = Guard(report, "making the tarball", () => Tarball.Create(options.TarSource, options.WorkDir, options.StepTimeout));
                            if (tarball is not null) Track(tarball);
                        }
                        if (tarball is not null)
                        {
                            report.Tarball = tarball.Info;
                            if (Guard(report, $"tar on {BenchTarget.Label(kind)}", () => TarWorkload.Run(target, tarball, options)) is { } tar) report.Tar.Add(tar);
                        }
                    }
                }
                finally
                {
                    Progress.Say($"{BenchTarget.Label(kind)}: tearing down");
                    Untrack(target);
                    target.Dispose();
                }
            }
            if (options.Runs(Workloads.Micro))
            {
                Progress.Say("micro-benchmarks (BenchmarkDotNet)");
                report.Micro = Guard(report, "micro-benchmarks", () => MicroRunner.Run(options));
                if (report.Micro is null) report.Notes.Add("the micro-benchmarks produced no results (a Debug build? build with -c Release)");
            }
        }
        finally
        {
            if (tarball is not null)
            {
                Untrack(tarball);
                tarball.Dispose();
            }
            if (s3 is not null)
            {
                Untrack(s3);
                s3.Dispose();
            }
            Console.CancelKeyPress -= OnCancel;
        }
        report.Environment.Add($"Load average at the end {LoadAverage()}.");
        if (KernelCaches.DropFailed) report.Notes.Add("the kernel caches could not be dropped (not root): cold figures include cached data");
        return report;
    }

    private const string FioMissing = "fio is not installed: the fio workload was skipped (apt-get install fio, or use bench/run.sh)";

    public static bool HasFailures(BenchReport report) =>
        report.TargetErrors.Count > 0 || report.Notes.Any(n => n.Contains("failed", StringComparison.Ordinal) || n == FioMissing)
        || report.Fio.Any(f => f.Error is not null) || report.SmallFiles.Any(f => f.Error is not null)
        || report.Tar.Any(f => f.Error is not null) || report.S3Raw?.Error is not null;

    private static BenchTarget Create(TargetKind kind, BenchOptions options, S3Service? s3) => kind switch
    {
        TargetKind.Local => new LocalDirTarget(options.WorkDir),
        TargetKind.Passthrough => new PassthroughTarget(options.WorkDir),
        TargetKind.Embedded => new EmbeddedTarget(FindCurvefs(options), options.WorkDir),
        TargetKind.Cluster => new ClusterTarget(FindCurvefs(options), options.WorkDir, s3!),
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "not a file target"),
    };

    private static bool TryGetS3(BenchOptions options, BenchReport report, ref S3Service? s3, TargetKind needer)
    {
        if (s3 is not null) return true;
        try
        {
            Progress.Say(options.S3.Endpoint is null ? "starting s3rver" : $"using S3 at {options.S3.Endpoint}");
            s3 = S3Service.Start(options);
            Track(s3);
            report.Environment.Add($"S3: {s3.Description}, bucket {options.S3.Bucket}.");
            return true;
        }
        catch (Exception e)
        {
            report.TargetErrors[needer] = e.Message;
            Progress.Say($"S3 unavailable: {e.Message}");
            return false;
        }
    }

    /// <summary>Runs a step; an unexpected exception becomes a note ("X failed: ...") instead of ending the run.</summary>
    private static T? Guard<T>(BenchReport report, string what, Func<T?> step) where T : class
    {
        try
        {
            return step();
        }
        catch (Exception e)
        {
            report.Notes.Add($"{what} failed: {e.Message}");
            Progress.Say($"{what} failed: {e}");
            return null;
        }
    }

    private static void Check(BenchReport report, BenchOptions options)
    {
        if (options.Runs(Workloads.Fio) && ProcessRunner.FindOnPath("fio") is null) report.Notes.Add(FioMissing);
        if (Libc.EffectiveUid() != 0)
            report.Notes.Add("not run as root: kernel caches cannot be dropped, and FUSE mounts may fail");
    }

    private static void Describe(BenchReport report)
    {
        var cpu = ReadFirst("/proc/cpuinfo", "model name")?.Split(':', 2)[1].Trim() ?? "unknown CPU";
        var memoryKiB = ReadFirst("/proc/meminfo", "MemTotal")?.Split(':', 2)[1].Trim().Split(' ')[0];
        var memory = long.TryParse(memoryKiB, out var kib) ? $"{kib / (1024.0 * 1024):F1} GiB" : "?";
        var kernel = File.Exists("/proc/sys/kernel/osrelease") ? File.ReadAllText("/proc/sys/kernel/osrelease").Trim() : "?";
        report.Environment.Add($"Machine: {Environment.ProcessorCount} cores ({cpu}), {memory} RAM, Linux {kernel}, .NET {Environment.Version}; load average at start {LoadAverage()}.");
        try
        {
            var fio = ProcessRunner.Run("fio", ["--version"], TimeSpan.FromSeconds(10));
            if (fio.Succeeded) report.Environment.Add($"{fio.StandardOutput.Trim()}.");
        }
        catch (InvalidOperationException)
        {
            // reported by Check
        }
        try
        {
            var git = ProcessRunner.Run("git", ["rev-parse", "--short", "HEAD"], TimeSpan.FromSeconds(10));
            if (git.Succeeded) report.Environment.Add($"CurveFs commit {git.StandardOutput.Trim()}.");
        }
        catch (InvalidOperationException)
        {
            // not a checkout
        }
    }

    /// <summary>The 1-minute load average: other work on the machine skews every figure.</summary>
    private static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Split(' ')[0] : "?";

    private static string? ReadFirst(string file, string key)
    {
        if (!File.Exists(file)) return null;
        return File.ReadLines(file).FirstOrDefault(l => l.StartsWith(key, StringComparison.Ordinal));
    }

    private static string FindCurvefs(BenchOptions options)
    {
        if (options.CurvefsPath is { } configured)
            return File.Exists(configured) ? configured : throw new InvalidOperationException($"--curvefs {configured} does not exist");
        var beside = Path.Combine(AppContext.BaseDirectory, "curvefs");
        if (File.Exists(beside)) return beside;
        return ProcessRunner.FindOnPath("curvefs")
            ?? throw new InvalidOperationException("curvefs not found next to curvefs-bench or on PATH: build the solution, run ./install.sh or pass --curvefs PATH");
    }

    private static void Track(IDisposable resource)
    {
        lock (s_active) s_active.Add(resource);
    }

    private static void Untrack(IDisposable resource)
    {
        lock (s_active) s_active.Remove(resource);
    }

    private static void OnCancel(object? sender, ConsoleCancelEventArgs e)
    {
        e.Cancel = true;
        Console.Error.WriteLine("curvefs-bench: interrupted; unmounting and stopping what this run started");
        List<IDisposable> active;
        lock (s_active)
        {
            active = [.. s_active];
            s_active.Clear();
        }
        for (var i = active.Count - 1; i >= 0; i--)
        {
            try
            {
                active[i].Dispose();
            }
            catch (Exception ex)
            {
                Console.Error.WriteLine($"curvefs-bench: cleanup: {ex.Message}");
            }
        }
        Environment.Exit(130);
    }
}
