namespace CurveFs.Benchmarks.Infra;

/// <summary>
/// Drops the kernel's page cache, dentries and inodes (<c>sync; echo 3 &gt; /proc/sys/vm/drop_caches</c>), so
/// the next access goes to the filesystem under test instead of memory. Needs root; without it the
/// benchmark goes on and the report says the figures include the kernel's caches.
/// </summary>
public static class KernelCaches
{
    private static bool s_warned;

    /// <summary>True once a drop failed (not root): the report mentions it.</summary>
    public static bool DropFailed { get; private set; }

    public static void Drop()
    {
        Libc.Sync();
        try
        {
            File.WriteAllText("/proc/sys/vm/drop_caches", "3");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            DropFailed = true;
            if (!s_warned)
            {
                s_warned = true;
                Console.Error.WriteLine($"curvefs-bench: cannot drop the kernel caches ({e.Message}); run as root (bench/run.sh uses sudo): cold figures include cached data");
            }
        }
    }
}
