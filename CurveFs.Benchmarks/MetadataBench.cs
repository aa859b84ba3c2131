using System.Diagnostics;
using System.Runtime.InteropServices;

namespace CurveFs.Benchmarks;

public sealed record MetadataBenchOptions
{
    public int Files { get; init; } = 10_000;
    public int Threads { get; init; } = 4;
    public bool Cluster { get; init; } = true;
    /// <summary>The curvefs program (default: next to this one, else on PATH).</summary>
    public string? CurvefsPath { get; init; }
}

/// <summary>Small-file metadata throughput: create then stat N empty files in one directory from T threads.</summary>
public static partial class MetadataBench
{
    public readonly record struct Figures(double CreatesPerSecond, double CreateP99Ms, double StatsPerSecond, double StatP99Ms);

    public static int Run(MetadataBenchOptions options)
    {
        var curvefs = options.CurvefsPath ?? FindCurvefs();
        var results = new List<(string Target, Figures Figures)>();
        using (var local = new TempDir("curvefs-bench-local-"))
        {
            results.Add(("local directory (baseline)", Measure(local.Path, options)));
        }
        using (var embedded = MountTarget.Embedded(curvefs))
        {
            results.Add(("curvefs embedded", Measure(embedded.MountPoint, options)));
        }
        if (options.Cluster)
        {
            using var cluster = MountTarget.Cluster(curvefs);
            results.Add(("curvefs 3-replica cluster", Measure(cluster.MountPoint, options)));
        }
        Console.WriteLine($"## Metadata: {options.Files} files in one directory, {options.Threads} threads\n");
        Console.WriteLine("| target | creates/s | create p99 ms | stats/s (uncached) | stat p99 ms | creates vs baseline | stats vs baseline |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|");
        var baseline = results[0].Figures;
        foreach (var (target, f) in results)
            Console.WriteLine($"| {target} | {f.CreatesPerSecond:F0} | {f.CreateP99Ms:F2} | {f.StatsPerSecond:F0} | {f.StatP99Ms:F2} | {f.CreatesPerSecond / baseline.CreatesPerSecond:P0} | {f.StatsPerSecond / baseline.StatsPerSecond:P0} |");
        return 0;
    }

    public static Figures Measure(string root, MetadataBenchOptions options)
    {
        var dir = System.IO.Path.Combine(root, "bench-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(dir);
        var names = Enumerable.Range(0, options.Files).Select(i => System.IO.Path.Combine(dir, $"f{i:D7}")).ToArray();
        var (creates, createP99) = RunParallel(names, options.Threads, path => File.Create(path).Dispose());
        DropCaches();
        var (stats, statP99) = RunParallel(names, options.Threads, path =>
        {
            if (lstat(path, out _) != 0) throw new IOException($"stat {path} failed: errno {Marshal.GetLastPInvokeError()}");
        });
        Directory.Delete(dir, recursive: true);
        return new Figures(creates, createP99, stats, statP99);
    }

    private static (double PerSecond, double P99Ms) RunParallel(string[] paths, int threads, Action<string> operation)
    {
        var latencies = new double[paths.Length];
        var next = -1;
        var watch = Stopwatch.StartNew();
        var workers = Enumerable.Range(0, threads).Select(_ => new Thread(() =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < paths.Length)
            {
                var start = Stopwatch.GetTimestamp();
                operation(paths[i]);
                latencies[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
            }
        })).ToList();
        workers.ForEach(w => w.Start());
        workers.ForEach(w => w.Join());
        var seconds = watch.Elapsed.TotalSeconds;
        Array.Sort(latencies);
        return (paths.Length / seconds, latencies[(int)(latencies.Length * 0.99)]);
    }

    /// <summary>Drops dentries and inodes (needs root), so stats go to the filesystem, not the kernel cache.</summary>
    private static void DropCaches()
    {
        try
        {
            File.WriteAllText("/proc/sys/vm/drop_caches", "2");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Console.Error.WriteLine("curvefs-bench: cannot drop caches (not root?): stat figures include the kernel cache");
        }
    }

    private static string FindCurvefs()
    {
        var beside = System.IO.Path.Combine(AppContext.BaseDirectory, "curvefs");
        if (File.Exists(beside)) return beside;
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':'))
        {
            var candidate = System.IO.Path.Combine(dir, "curvefs");
            if (File.Exists(candidate)) return candidate;
        }
        throw new FileNotFoundException("curvefs not found next to curvefs-bench or on PATH: run ./install.sh or pass --curvefs PATH");
    }

    [StructLayout(LayoutKind.Sequential, Size = 144)]
    private struct StatBuffer;

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int lstat(string path, out StatBuffer buffer);
}
