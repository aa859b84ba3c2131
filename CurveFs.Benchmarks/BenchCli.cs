namespace CurveFs.Benchmarks;

/// <summary>
/// <c>curvefs-bench metadata [--files N] [--threads T] [--skip-cluster]</c>: creates/s and stats/s
/// through FUSE on a plain local directory (baseline), the embedded mount and a 3-replica playground
/// cluster, all in one run, printed as a markdown table with ratios.
/// </summary>
public static class BenchCli
{
    public static int Run(string[] args)
    {
        if (args.Length == 0 || args[0] is "-h" or "--help")
        {
            Console.WriteLine("usage: curvefs-bench metadata [--files N] [--threads T] [--skip-cluster] [--curvefs PATH]");
            return args.Length == 0 ? 64 : 0;
        }
        if (args[0] != "metadata")
        {
            Console.Error.WriteLine($"curvefs-bench: unknown benchmark '{args[0]}' (known: metadata)");
            return 64;
        }
        var options = new MetadataBenchOptions();
        for (var i = 1; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--files" when i + 1 < args.Length && int.TryParse(args[i + 1], out var files) && files > 0:
                    options = options with { Files = files }; i++; break;
                case "--threads" when i + 1 < args.Length && int.TryParse(args[i + 1], out var threads) && threads > 0:
                    options = options with { Threads = threads }; i++; break;
                case "--skip-cluster":
                    options = options with { Cluster = false }; break;
                case "--curvefs" when i + 1 < args.Length:
                    options = options with { CurvefsPath = args[++i] }; break;
                default:
                    Console.Error.WriteLine($"curvefs-bench: bad argument '{args[i]}'");
                    return 64;
            }
        }
        return MetadataBench.Run(options);
    }
}
