using CurveFs.Benchmarks.Cli;
using CurveFs.Benchmarks.Infra;

namespace CurveFs.Benchmarks.Targets;

/// <summary><c>curvefs mount --local DATA MNT</c>: metadata and data in a local directory, default options.</summary>
public sealed class EmbeddedTarget : BenchTarget
{
    private readonly TempDir _dir;
    private readonly CurveFsMount _mount;

    public EmbeddedTarget(string curvefs, string workDir)
    {
        _dir = new TempDir(workDir, "curvefs-bench-embedded-");
        var data = Path.Combine(_dir.Path, "data");
        _mount = new CurveFsMount(curvefs, Path.Combine(_dir.Path, "mnt"), ["--local", data], Path.Combine(_dir.Path, "curvefs.log"));
        try
        {
            _mount.Mount();
        }
        catch
        {
            _dir.Dispose();
            throw;
        }
    }

    public override TargetKind Kind => TargetKind.Embedded;
    public override string Root => _mount.MountPoint;

    public override void DropClientCaches() => _mount.Remount();

    public override void Dispose()
    {
        _mount.UnmountQuietly();
        _dir.Dispose();
    }
}
