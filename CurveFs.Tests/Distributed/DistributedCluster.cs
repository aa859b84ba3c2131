using CurveFs.Common.Rpc;
using CurveFs.Mds.Hosting;
using CurveFs.Mount.Playground;
using CurveFs.Tests.Integration;

namespace CurveFs.Tests.Distributed;

/// <summary>What the distributed tests ask of a playground beyond <see cref="PlaygroundCluster"/>: the MDS's view
/// of the filesystem's partitions, fsck, MDS reconfiguration and where an inode lives.</summary>
internal static class DistributedCluster
{
    public static IReadOnlyList<PartitionInfo> Partitions(this PlaygroundCluster cluster)
    {
        using var mds = MdsClient.ForEndpoints(cluster.State.MdsEndpoints);
        var fs = mds.GetFsAsync(cluster.State.FsName).GetAwaiter().GetResult() ?? throw new InvalidOperationException("the playground's filesystem is missing");
        return mds.GetTopologyAsync(fs.Info.FsId).GetAwaiter().GetResult().Partitions;
    }

    /// <summary>The copyset holding the partition of an inode.</summary>
    public static uint CopysetOf(this IReadOnlyList<PartitionInfo> partitions, ulong ino) =>
        partitions.Single(p => p.Start <= ino && ino <= p.End).CopysetId;

    /// <summary><c>curvefs fsck --mds ... --fs ...</c> as an operator runs it.</summary>
    public static ShellResult Fsck(this PlaygroundCluster cluster, bool resolve = false) =>
        Shell.Run($"'{Binaries.Curvefs}' fsck --mds {cluster.State.MdsEndpoints} --fs {cluster.State.FsName}{(resolve ? " --resolve" : "")}", timeout: TimeSpan.FromMinutes(5));

    /// <summary>Rewrites both MDS configurations and restarts the MDS processes (no mount may be up).</summary>
    public static void ReconfigureMds(this PlaygroundCluster cluster, Func<MdsConfig, MdsConfig> change)
    {
        foreach (var mds in cluster.State.OfKind(PlaygroundKinds.Mds))
        {
            change(MdsConfig.Load(mds.ConfigPath)).Save(mds.ConfigPath);
            cluster.Kill9(mds.NodeId, PlaygroundKinds.Mds);
        }
        cluster.Up();
    }

    public static ulong Ino(string path)
    {
        var error = Posix.Stat(path, out var stat);
        if (error != 0) throw new IOException($"stat {path}: errno {error}");
        return stat.Ino;
    }
}
