using System.Globalization;
using System.Text;
using CurveFs.Benchmarks.Cli;
using CurveFs.Benchmarks.Targets;

namespace CurveFs.Benchmarks.Report;

/// <summary>Everything one run measured, and its rendering as markdown.</summary>
public sealed class BenchReport(BenchOptions options)
{
    public BenchOptions Options { get; } = options;
    public DateTimeOffset Started { get; init; } = DateTimeOffset.Now;
    /// <summary>Lines about the machine and software (cores, kernel, versions).</summary>
    public List<string> Environment { get; } = [];
    public List<FioFigures> Fio { get; } = [];
    public S3RawFigures? S3Raw { get; set; }
    public List<SmallFileFigures> SmallFiles { get; } = [];
    public TarballInfo? Tarball { get; set; }
    public List<TarFigures> Tar { get; } = [];
    /// <summary>BenchmarkDotNet's markdown tables.</summary>
    public string? Micro { get; set; }
    /// <summary>Targets that could not be set up, with the reason.</summary>
    public Dictionary<TargetKind, string> TargetErrors { get; } = [];
    public List<string> Notes { get; } = [];

    public string Render()
    {
        var text = new StringBuilder();
        text.AppendLine("# CurveFs benchmarks").AppendLine();
        text.Append(CultureInfo.InvariantCulture, $"Run {Started:yyyy-MM-dd HH:mm}{(Options.Quick ? ", `--quick` preset" : "")}. ")
            .AppendJoin(" ", Environment).AppendLine().AppendLine();
        var notes = TargetErrors.Select(e => $"{BenchTarget.Label(e.Key)} could not be set up: {e.Value}").ToList();
        if (Options.Runs(Workloads.Fio) || Options.Runs(Workloads.S3)) RenderFio(text, notes);
        if (Options.Runs(Workloads.SmallFiles)) RenderSmallFiles(text, notes);
        if (Options.Runs(Workloads.Tar)) RenderTar(text, notes);
        if (Micro is not null) text.AppendLine("## Micro-benchmarks (BenchmarkDotNet)").AppendLine().AppendLine(Micro.Trim()).AppendLine();
        notes.AddRange(Notes);
        if (notes.Count > 0)
        {
            text.AppendLine("## Notes").AppendLine();
            foreach (var note in notes) text.AppendLine(CultureInfo.InvariantCulture, $"- {note}");
            text.AppendLine();
        }
        return text.ToString();
    }

    /// <summary>The fio rows, with raw S3 as the row whose "write" is PUT and "cold read" is GET.</summary>
    public IReadOnlyList<FioFigures> FioRows()
    {
        var rows = new List<FioFigures>(Fio);
        if (S3Raw is { } s3)
        {
            rows.Add(new FioFigures(TargetKind.S3Raw) { SeqWriteMiBps = s3.PutMiBps, ColdReadMiBps = s3.GetMiBps, Error = s3.Error });
        }
        return [.. rows.OrderBy(r => r.Target)];
    }

    private void RenderFio(StringBuilder text, List<string> notes)
    {
        var rows = FioRows();
        if (rows.Count == 0) return;
        text.AppendLine("## Sequential and random I/O (fio)").AppendLine();
        text.AppendLine(CultureInfo.InvariantCulture,
            $"One {Figures.Bytes(Options.SizeBytes)} file: written in 1 MiB requests with an fsync at the end; read back after dropping the kernel caches " +
            $"(CurveFs also remounted: its block cache is in memory) and again warm; then {Options.RandomReadJobs} processes read random 4 KiB " +
            $"pieces for {Options.RandomReadSeconds} s (kernel caches dropped first, client caches kept).");
        if (S3Raw is { } s3)
        {
            text.AppendLine(CultureInfo.InvariantCulture,
                $"Raw S3: {s3.Objects} objects of {Figures.Bytes(s3.ObjectBytes)} put, then got, {s3.InFlight} requests in flight " +
                $"(p99 per object: PUT {Figures.Number(s3.PutP99Ms)} ms, GET {Figures.Number(s3.GetP99Ms)} ms).");
        }
        text.AppendLine();
        var table = new MarkdownTable("target", "seq write MiB/s", "seq read cold MiB/s", "seq read warm MiB/s", "rand 4K read IOPS", "rand 4K read MiB/s", "rand read p99 ms");
        foreach (var row in rows)
        {
            if (Failed(row.Target, row.Error, out var cell) && row.SeqWriteMiBps is null)
            {
                table.Add(BenchTarget.Label(row.Target), cell, cell, cell, cell, cell, cell);
                continue;
            }
            table.Add(BenchTarget.Label(row.Target), Figures.Number(row.SeqWriteMiBps), Figures.Number(row.ColdReadMiBps), Figures.Number(row.WarmReadMiBps),
                Figures.Number(row.RandReadIops), Figures.Number(row.RandReadMiBps), Figures.Number(row.RandReadP99Ms));
        }
        text.AppendLine(table.Render());

        var ratios = new MarkdownTable("speed vs baseline", "seq write", "seq read cold", "seq read warm", "rand 4K read");
        foreach (var row in rows.Where(r => Baselines.ForFileSystem(r.Target) is not null))
        {
            var transfer = rows.FirstOrDefault(r => r.Target == Baselines.ForDataTransfer(row.Target));
            var files = rows.FirstOrDefault(r => r.Target == Baselines.ForFileSystem(row.Target));
            ratios.AddIfAny(BenchTarget.Label(row.Target),
                RatioOf(row.SeqWriteMiBps, transfer?.SeqWriteMiBps, transfer?.Target),
                RatioOf(row.ColdReadMiBps, transfer?.ColdReadMiBps, transfer?.Target),
                RatioOf(row.WarmReadMiBps, files?.WarmReadMiBps, files?.Target),
                RatioOf(row.RandReadIops, files?.RandReadIops, files?.Target));
        }
        if (ratios.RowCount > 0) text.AppendLine(ratios.Render());
        foreach (var row in rows.Where(r => r.Error is not null)) notes.Add($"fio on {BenchTarget.Label(row.Target)}: {row.Error}");
    }

    private void RenderSmallFiles(StringBuilder text, List<string> notes)
    {
        if (SmallFiles.Count == 0) return;
        text.AppendLine("## Small files").AppendLine();
        text.AppendLine(CultureInfo.InvariantCulture,
            $"{Options.Files} files of {Figures.Bytes(Options.SmallFileBytes)} each, in one directory and in a 3-level tree: create (open O_CREAT|O_EXCL, write, close), " +
            $"stat, read (open, read, close) and unlink, each phase after dropping the kernel caches; operations per second and 99th-percentile latency in ms.");
        text.AppendLine();
        var table = new MarkdownTable(3, "target", "layout", "threads", "create/s", "create p99", "stat/s", "stat p99", "read/s", "read p99", "delete/s", "delete p99");
        foreach (var row in SmallFiles)
        {
            var failed = Failed(row.Target, row.Error, out var cell);
            string Ops(PhaseFigures? p) => p is { } f ? Figures.Number(f.OpsPerSecond) : failed ? cell : Figures.Missing;
            string P99(PhaseFigures? p) => p is { } f ? Figures.Number(f.P99Ms) : failed ? cell : Figures.Missing;
            table.Add(BenchTarget.Label(row.Target), LayoutName(row.Layout), row.Threads.ToString(CultureInfo.InvariantCulture),
                Ops(row.Create), P99(row.Create), Ops(row.Stat), P99(row.Stat), Ops(row.Read), P99(row.Read), Ops(row.Delete), P99(row.Delete));
        }
        text.AppendLine(table.Render());

        var ratios = new MarkdownTable(3, "speed vs baseline", "layout", "threads", "create", "stat", "read", "delete");
        foreach (var row in SmallFiles.Where(r => Baselines.ForFileSystem(r.Target) is not null))
        {
            var baseline = SmallFiles.FirstOrDefault(b => b.Target == Baselines.ForFileSystem(row.Target) && b.Layout == row.Layout && b.Threads == row.Threads);
            ratios.AddIfAny(BenchTarget.Label(row.Target), LayoutName(row.Layout), row.Threads.ToString(CultureInfo.InvariantCulture),
                RatioOf(row.Create?.OpsPerSecond, baseline?.Create?.OpsPerSecond, baseline?.Target),
                RatioOf(row.Stat?.OpsPerSecond, baseline?.Stat?.OpsPerSecond, baseline?.Target),
                RatioOf(row.Read?.OpsPerSecond, baseline?.Read?.OpsPerSecond, baseline?.Target),
                RatioOf(row.Delete?.OpsPerSecond, baseline?.Delete?.OpsPerSecond, baseline?.Target));
        }
        if (ratios.RowCount > 0) text.AppendLine(ratios.Render());

        // What an operation costs the machine as a whole bounds what any concurrency can reach: cores / cost.
        var cpu = new MarkdownTable(3, "CPU per operation (µs, whole machine)", "layout", "threads", "create", "stat", "read", "delete");
        foreach (var row in SmallFiles)
        {
            static string Cost(PhaseFigures? p) => p?.CpuUsPerOp is { } us ? Figures.Number(us) : Figures.Missing;
            cpu.AddIfAny(BenchTarget.Label(row.Target), LayoutName(row.Layout), row.Threads.ToString(CultureInfo.InvariantCulture),
                Cost(row.Create), Cost(row.Stat), Cost(row.Read), Cost(row.Delete));
        }
        if (cpu.RowCount > 0)
        {
            text.AppendLine(CultureInfo.InvariantCulture,
                $"Busy CPU of the whole machine ({System.Environment.ProcessorCount} cores: every process and the kernel) during each phase, per operation: no concurrency gets past cores / cost operations per second.");
            text.AppendLine();
            text.AppendLine(cpu.Render());
        }
        foreach (var row in SmallFiles.Where(r => r.Error is not null))
            notes.Add($"small files on {BenchTarget.Label(row.Target)} ({LayoutName(row.Layout)}, {row.Threads} threads): {row.Error}");
    }

    private void RenderTar(StringBuilder text, List<string> notes)
    {
        if (Tar.Count == 0) return;
        text.AppendLine("## tar -x and rm -rf").AppendLine();
        if (Tarball is { } tarball)
        {
            text.AppendLine(CultureInfo.InvariantCulture,
                $"A tarball of {tarball.Source} ({tarball.Files} files, {tarball.Directories} directories, {Figures.Bytes(tarball.Bytes)}) unpacked with `tar -xf`, " +
                $"then `sync -f` (syncfs) on the tree, then `rm -rf` after dropping the kernel caches; seconds.");
            text.AppendLine();
        }
        var table = new MarkdownTable("target", "tar -x s", "sync s", "rm -rf s");
        foreach (var row in Tar)
        {
            var failed = Failed(row.Target, row.Error, out var cell);
            string Seconds(double? s) => s is not null ? Figures.Number(s) : failed ? cell : Figures.Missing;
            table.Add(BenchTarget.Label(row.Target), Seconds(row.ExtractSeconds), Seconds(row.SyncSeconds), Seconds(row.RemoveSeconds));
        }
        text.AppendLine(table.Render());
        var ratios = new MarkdownTable("speed vs baseline", "tar -x", "rm -rf");
        foreach (var row in Tar.Where(r => Baselines.ForFileSystem(r.Target) is not null))
        {
            var baseline = Tar.FirstOrDefault(b => b.Target == Baselines.ForFileSystem(row.Target));
            ratios.AddIfAny(BenchTarget.Label(row.Target),
                RatioOf(row.ExtractSeconds, baseline?.ExtractSeconds, baseline?.Target, higherIsBetter: false),
                RatioOf(row.RemoveSeconds, baseline?.RemoveSeconds, baseline?.Target, higherIsBetter: false));
        }
        if (ratios.RowCount > 0) text.AppendLine(ratios.Render());
        foreach (var row in Tar.Where(r => r.Error is not null)) notes.Add($"tar on {BenchTarget.Label(row.Target)}: {row.Error}");
    }

    /// <summary>"42 % of passthrough_ll (FUSE)", or "–" when either figure is missing.</summary>
    public static string RatioOf(double? value, double? baseline, TargetKind? baselineTarget, bool higherIsBetter = true)
    {
        var ratio = Figures.Ratio(value, baseline, higherIsBetter);
        return ratio == Figures.Missing || baselineTarget is null ? Figures.Missing : $"{ratio} of {ShortLabel(baselineTarget.Value)}";
    }

    private static string ShortLabel(TargetKind target) => target switch
    {
        TargetKind.Local => "local",
        TargetKind.Passthrough => "passthrough_ll",
        TargetKind.S3Raw => "raw S3",
        _ => BenchTarget.Label(target),
    };

    public static string LayoutName(FileLayout layout) => layout == FileLayout.OneDirectory ? "one dir" : "3-level tree";

    private bool Failed(TargetKind target, string? error, out string cell)
    {
        cell = TargetErrors.ContainsKey(target) ? "not set up" : error is not null ? "failed" : Figures.Missing;
        return TargetErrors.ContainsKey(target) || error is not null;
    }
}
