using CurveFs.Benchmarks.Cli;
using CurveFs.Benchmarks.Infra;

namespace CurveFs.Benchmarks.Targets;

/// <summary>The first baseline: a directory on the local disk, no FUSE.</summary>
public sealed class LocalDirTarget(string workDir) : BenchTarget
{
    private readonly TempDir _dir = new(workDir, "curvefs-bench-local-");

    public override TargetKind Kind => TargetKind.Local;
    public override string Root => _dir.Path;

    public override void Dispose() => _dir.Dispose();
}
