using CurveFs.Benchmarks.Cli;

namespace CurveFs.Benchmarks.Targets;

/// <summary>A directory tree the file workloads run in: a local directory, a passthrough_ll mount or a CurveFs mount.</summary>
public abstract class BenchTarget : IDisposable
{
    public abstract TargetKind Kind { get; }

    /// <summary>The directory the workloads create their files in.</summary>
    public abstract string Root { get; }

    /// <summary>Empties caches of the filesystem's own process that dropping the kernel caches does not
    /// reach. CurveFs keeps blocks in memory, so it remounts; the others have none.</summary>
    public virtual void DropClientCaches()
    {
    }

    public abstract void Dispose();

    /// <summary>The row name in the report.</summary>
    public static string Label(TargetKind kind) => kind switch
    {
        TargetKind.Local => "local directory",
        TargetKind.Passthrough => "passthrough_ll (FUSE)",
        TargetKind.S3Raw => "raw S3",
        TargetKind.Embedded => "curvefs embedded",
        TargetKind.Cluster => "curvefs cluster (S3)",
        _ => kind.ToString(),
    };
}
