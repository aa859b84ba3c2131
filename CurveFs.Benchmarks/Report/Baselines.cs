using CurveFs.Benchmarks.Cli;

namespace CurveFs.Benchmarks.Report;

/// <summary>
/// Which baseline each figure is compared with. CurveFs moving file data to and from S3 cannot beat S3
/// itself, so the cluster's sequential write and cold read compare with raw S3 PUT and GET; everything
/// else a FUSE filesystem does compares with passthrough_ll, the FUSE ceiling (so does the embedded
/// mount's data, which lives in a local directory); passthrough_ll compares with the plain directory,
/// which shows the price of FUSE itself.
/// </summary>
public static class Baselines
{
    /// <summary>The baseline of a sequential write or cold read (data moved to or from the store).</summary>
    public static TargetKind? ForDataTransfer(TargetKind target) => target switch
    {
        TargetKind.Cluster => TargetKind.S3Raw,
        TargetKind.Embedded => TargetKind.Passthrough,
        TargetKind.Passthrough => TargetKind.Local,
        _ => null,
    };

    /// <summary>The baseline of warm and random reads, small files and tar.</summary>
    public static TargetKind? ForFileSystem(TargetKind target) => target switch
    {
        TargetKind.Cluster or TargetKind.Embedded => TargetKind.Passthrough,
        TargetKind.Passthrough => TargetKind.Local,
        _ => null,
    };
}
