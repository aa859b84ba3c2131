using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Exporters;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Loggers;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using CurveFs.Benchmarks.Cli;
using Perfolizer.Horology;

namespace CurveFs.Benchmarks.Micro;

/// <summary>
/// Runs the BenchmarkDotNet micro-benchmarks in this process (the in-process toolchain: no separate
/// build, so an installed curvefs-bench runs them too) and returns their markdown tables. --quick runs
/// 3 short iterations each: enough to see allocations and orders of magnitude, not for comparisons.
/// </summary>
public static class MicroRunner
{
    public static readonly Type[] Benchmarks =
        [typeof(SliceMapBenchmarks), typeof(MetaKeysBenchmarks), typeof(MetaCodecBenchmarks), typeof(WriteBufferBenchmarks), typeof(SmallFileBenchmarks)];

    /// <summary>In process, with room for the slowest class: the default in-process timeout (5 minutes) ends
    /// SmallFileBenchmarks' default job (about 100 iterations of 1-2 s on 2 cores) and, with it, the whole run.</summary>
    private static readonly InProcessEmitToolchain Toolchain = new(TimeSpan.FromMinutes(30), logOutput: true);

    public static string? Run(BenchOptions options)
    {
        var job = options.Quick
            ? Job.Default.WithWarmupCount(1).WithIterationCount(3).WithIterationTime(TimeInterval.FromMilliseconds(100)).WithEvaluateOverhead(false).WithId("Quick")
            : Job.Default.WithId("Default");
        // BenchmarkDotNet's defaults, except that its log goes to standard error: standard output is the report.
        var defaults = DefaultConfig.Instance;
        var config = ManualConfig.CreateEmpty()
            .AddColumnProvider([.. defaults.GetColumnProviders()])
            .AddExporter([.. defaults.GetExporters()])
            .AddAnalyser([.. defaults.GetAnalysers()])
            .AddValidator([.. defaults.GetValidators()])
            .AddLogger(new StreamLogger(new StreamWriter(Console.OpenStandardError()) { AutoFlush = true }))
            .AddJob(job.WithToolchain(Toolchain))
            .WithArtifactsPath(Path.Combine(Environment.CurrentDirectory, "BenchmarkDotNet.Artifacts"));
        var args = new List<string> { "--filter" }; // one --filter with every pattern: BenchmarkDotNet refuses a repeated option
        args.AddRange(options.MicroFilters.DefaultIfEmpty("*"));
        args.AddRange(options.MicroExtraArgs);
        var summaries = BenchmarkSwitcher.FromTypes(Benchmarks).Run([.. args], config).ToList();
        if (summaries.Count == 0) return null;
        var text = new System.Text.StringBuilder();
        string? previousHeader = null;
        foreach (var summary in summaries.Where(s => s.Reports.Length > 0))
        {
            var logger = new AccumulationLogger();
            MarkdownExporter.GitHub.ExportToLog(summary, logger);
            var (header, table) = SplitHeader(logger.GetLog());
            if (header != previousHeader) text.AppendLine(header);
            previousHeader = header;
            text.AppendLine(table.Trim()).AppendLine();
        }
        return text.ToString();
    }

    /// <summary>BenchmarkDotNet's environment block (the same for every class of a run) and the table after it.</summary>
    private static (string Header, string Table) SplitHeader(string markdown)
    {
        var lines = markdown.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n');
        var first = Array.FindIndex(lines, l => l.StartsWith('|'));
        if (first < 0) return ("", markdown);
        return (string.Join('\n', lines[..first]).Trim(), string.Join('\n', lines[first..]));
    }
}
