using CurveFs.Benchmarks.Cli;

namespace CurveFs.Benchmarks.Report;

/// <summary>fio figures of one target; a figure is null when its step did not run or failed (see Error).</summary>
public sealed class FioFigures(TargetKind target)
{
    public TargetKind Target { get; } = target;
    public double? SeqWriteMiBps { get; set; }
    public double? ColdReadMiBps { get; set; }
    public double? WarmReadMiBps { get; set; }
    public double? RandReadIops { get; set; }
    public double? RandReadMiBps { get; set; }
    public double? RandReadP99Ms { get; set; }
    public string? Error { get; set; }
}

/// <summary>Raw S3 throughput: block-sized objects put, then got, with several requests in flight.</summary>
public sealed class S3RawFigures
{
    public int Objects { get; set; }
    public long ObjectBytes { get; set; }
    public int InFlight { get; set; }
    public double? PutMiBps { get; set; }
    public double? PutP99Ms { get; set; }
    public double? GetMiBps { get; set; }
    public double? GetP99Ms { get; set; }
    public string? Error { get; set; }
}

/// <summary>Operations per second and 99th-percentile latency of one phase.</summary>
/// <param name="CpuUsPerOp">busy CPU of the whole machine (every process and the kernel) during the phase,
/// per operation, in µs; null where /proc/stat cannot be read.</param>
public readonly record struct PhaseFigures(double OpsPerSecond, double P99Ms, double? CpuUsPerOp = null);

public enum FileLayout
{
    /// <summary>All files in one directory.</summary>
    OneDirectory,
    /// <summary>Files spread over the leaves of a 3-level directory tree.</summary>
    Tree,
}

/// <summary>Small-file figures of one target, layout and thread count.</summary>
public sealed class SmallFileFigures(TargetKind target, FileLayout layout, int threads, int files)
{
    public TargetKind Target { get; } = target;
    public FileLayout Layout { get; } = layout;
    public int Threads { get; } = threads;
    public int Files { get; } = files;
    public PhaseFigures? Create { get; set; }
    public PhaseFigures? Stat { get; set; }
    public PhaseFigures? Read { get; set; }
    public PhaseFigures? Delete { get; set; }
    public string? Error { get; set; }
}

/// <summary>tar -x of the tarball, the syncfs after it, and rm -rf of the tree, in seconds.</summary>
public sealed class TarFigures(TargetKind target)
{
    public TargetKind Target { get; } = target;
    public double? ExtractSeconds { get; set; }
    public double? SyncSeconds { get; set; }
    public double? RemoveSeconds { get; set; }
    public string? Error { get; set; }
}

/// <summary>What the tar workload unpacks.</summary>
public sealed record TarballInfo(string Source, int Files, int Directories, long Bytes);
