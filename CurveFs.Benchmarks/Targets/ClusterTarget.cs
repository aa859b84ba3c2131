using CurveFs.Benchmarks.Cli;
using CurveFs.Benchmarks.Infra;

namespace CurveFs.Benchmarks.Targets;

/// <summary>
/// A playground cluster (<c>curvefs playground up</c>: etcd, an S3 server, 2 MDS and three curvefs-metaserver
/// processes replicating 3 copysets on loopback) mounted through its MDS, with the data in the benchmark's own
/// S3 service (the raw-S3 baseline's) rather than the playground's: the mount command the playground prints,
/// with <c>--storage s3://BUCKET/PREFIX?endpoint=...</c>.
/// </summary>
public sealed class ClusterTarget : BenchTarget
{
    private static readonly TimeSpan PlaygroundTimeout = TimeSpan.FromMinutes(3);

    private readonly string _curvefs;
    private readonly TempDir _dir;
    private readonly string _playground;
    private readonly S3Service _s3;
    private readonly string _prefix;
    private readonly CurveFsMount _mount;

    public ClusterTarget(string curvefs, string workDir, S3Service s3)
    {
        _curvefs = curvefs;
        _s3 = s3;
        _dir = new TempDir(workDir, "curvefs-bench-cluster-");
        _playground = Path.Combine(_dir.Path, "playground");
        _prefix = "curvefs-bench-" + Guid.NewGuid().ToString("N")[..8];
        try
        {
            var up = ProcessRunner.RunChecked(curvefs, ["playground", "up", _playground], PlaygroundTimeout);
            var (mds, fsName) = ParseMountCommand(up.StandardOutput);
            _mount = new CurveFsMount(curvefs, Path.Combine(_dir.Path, "mnt"),
                ["--mds", mds, "--fs", fsName, "--storage", s3.StorageUrl(_prefix)],
                Path.Combine(_dir.Path, "curvefs.log"));
            _mount.Mount();
        }
        catch
        {
            StopPlayground();
            _dir.Dispose();
            throw;
        }
    }

    public override TargetKind Kind => TargetKind.Cluster;
    public override string Root => _mount.MountPoint;

    public override void DropClientCaches() => _mount.Remount();

    /// <summary>The MDS addresses and filesystem name in the mount command <c>playground up</c> prints
    /// (<c>curvefs mount --mds A,B --fs NAME MNT</c>).</summary>
    public static (string Mds, string FsName) ParseMountCommand(string playgroundOutput)
    {
        var line = playgroundOutput.Split('\n').Select(l => l.Trim())
            .LastOrDefault(l => l.StartsWith("curvefs mount ", StringComparison.Ordinal))
            ?? throw new InvalidOperationException($"`curvefs playground up` printed no mount command: {playgroundOutput.Trim()}");
        var words = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        string? ValueOf(string option)
        {
            var at = Array.IndexOf(words, option);
            return at >= 0 && at + 1 < words.Length ? words[at + 1] : null;
        }
        var mds = ValueOf("--mds") ?? throw new InvalidOperationException($"no --mds in the mount command '{line}'");
        var fsName = ValueOf("--fs") ?? throw new InvalidOperationException($"no --fs in the mount command '{line}'");
        return (mds, fsName);
    }

    private void StopPlayground()
    {
        if (!File.Exists(Path.Combine(_playground, "playground.json"))) return;
        try
        {
            ProcessRunner.RunChecked(_curvefs, ["playground", "down", _playground], PlaygroundTimeout);
        }
        catch (Exception e) when (e is InvalidOperationException or TimeoutException)
        {
            Console.Error.WriteLine($"curvefs-bench: stopping the playground in {_playground}: {e.Message}");
        }
    }

    public override void Dispose()
    {
        _mount.UnmountQuietly();
        StopPlayground();
        try
        {
            _s3.DeletePrefix(_prefix + "/");
        }
        catch (Exception e)
        {
            Console.Error.WriteLine($"curvefs-bench: could not delete the cluster's objects under {_prefix}/: {e.Message}");
        }
        _dir.Dispose();
    }
}
