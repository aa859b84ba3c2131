using CurveFs.Benchmarks.Cli;
using CurveFs.Benchmarks.Infra;
using CurveFs.Benchmarks.Report;
using CurveFs.Benchmarks.Targets;

namespace CurveFs.Benchmarks.SmallFiles;

/// <summary>
/// Create, stat, read and delete of many small files on one target, for each layout (one directory, a
/// 3-level tree) and thread count. Directories are made and removed outside the timed phases. The kernel
/// caches are dropped before stat, read and delete, so each goes to the filesystem (CurveFs's own caches
/// are kept: that is what an application sees). Reads check every byte.
/// </summary>
public static class SmallFileWorkload
{
    /// <summary>Files of the untimed round before the first timed one.</summary>
    public const int WarmUpFiles = 200;

    public static List<SmallFileFigures> Run(BenchTarget target, BenchOptions options)
    {
        // The first round on a fresh mount would also time the JIT compiling the mount's and its servers'
        // code (a fresh cluster's first 1,600 creates ran at half the speed of the next): one small round
        // first, its figures dropped.
        RunOne(target, options with { Files = Math.Min(options.Files, WarmUpFiles) }, FileLayout.OneDirectory, 1, "warm-up");
        var results = new List<SmallFileFigures>();
        foreach (var layout in new[] { FileLayout.OneDirectory, FileLayout.Tree })
        {
            foreach (var threads in options.Threads)
            {
                results.Add(RunOne(target, options, layout, threads));
            }
        }
        return results;
    }

    private static SmallFileFigures RunOne(BenchTarget target, BenchOptions options, FileLayout layout, int threads, string round = "small files")
    {
        var figures = new SmallFileFigures(target.Kind, layout, threads, options.Files);
        var name = BenchTarget.Label(target.Kind);
        var root = Path.Combine(target.Root, $"smallfiles-{(layout == FileLayout.OneDirectory ? "dir" : "tree")}-{threads}t");
        var set = FileSet.Create(root, layout, options.Files);
        var content = new byte[options.SmallFileBytes];
        new Random(42).NextBytes(content);
        var label = $"{name}: {round}, {BenchReport.LayoutName(layout)}, {threads} thread(s)";
        try
        {
            foreach (var dir in set.Directories) Directory.CreateDirectory(dir);

            Progress.Say($"{label}: create {options.Files}");
            figures.Create = ParallelRunner.Run(set.Files.Count, threads, i =>
            {
                var path = set.Files[i];
                var fd = Libc.Open(path, Libc.WriteOnly | Libc.Create | Libc.Exclusive);
                try
                {
                    if (content.Length > 0) Libc.WriteAll(fd, content, path);
                }
                finally
                {
                    Libc.Close(fd, path);
                }
            });

            Progress.Say($"{label}: stat");
            KernelCaches.Drop();
            figures.Stat = ParallelRunner.Run(set.Files.Count, threads, i => Libc.Lstat(set.Files[i]));

            Progress.Say($"{label}: read");
            KernelCaches.Drop();
            using var buffers = new ThreadLocal<byte[]>(() => new byte[content.Length + 1]);
            figures.Read = ParallelRunner.Run(set.Files.Count, threads, i =>
            {
                var path = set.Files[i];
                var buffer = buffers.Value!;
                var fd = Libc.Open(path, Libc.ReadOnly);
                int read;
                try
                {
                    read = Libc.ReadAll(fd, buffer, path);
                }
                finally
                {
                    Libc.Close(fd, path);
                }
                if (read != content.Length || !buffer.AsSpan(0, read).SequenceEqual(content))
                    throw new IOException($"{path}: read {read} bytes that differ from the {content.Length} written");
            });

            Progress.Say($"{label}: delete");
            KernelCaches.Drop();
            figures.Delete = ParallelRunner.Run(set.Files.Count, threads, i => Libc.Unlink(set.Files[i]));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            figures.Error = e.Message;
            Progress.Say($"{label}: failed: {e.Message}");
        }
        finally
        {
            try
            {
                Directory.Delete(root, recursive: true);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                Progress.Say($"{label}: could not remove {root}: {e.Message}");
            }
        }
        return figures;
    }
}
