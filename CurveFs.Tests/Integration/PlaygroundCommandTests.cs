using CurveFs.Mount.Playground;

namespace CurveFs.Tests.Integration;

/// <summary>The playground and create-fs commands as a user runs them.</summary>
[Collection("Integration")]
[Trait("Category", "Integration")]
public sealed class PlaygroundCommandTests
{
    [Fact]
    public void UpStatusCreateFsDown_ReportWhatTheyDo()
    {
        using var cluster = new PlaygroundCluster(copysets: 3);
        Assert.Contains($"curvefs mount --mds {cluster.State.MdsEndpoints} --fs testfs", cluster.UpOutput);
        var status = cluster.Status();
        Assert.Equal(["etcd", "s3", "mds", "mds", "metaserver", "metaserver", "metaserver"], status.Select(s => s.Kind));
        Assert.Equal("up", status[0].Role);
        Assert.Equal("up", status[1].Role);
        Assert.Equal(["leader", "standby"], status.Where(s => s.Kind == "mds").Select(s => s.Role).Order());
        Assert.All(status, s => Assert.True(File.Exists($"/proc/{s.Pid}/status"), $"pid {s.Pid} is not running"));
        // Each of the 3 copysets has exactly one leader among the metaservers.
        var leaderships = status.Where(s => s.Kind == "metaserver").SelectMany(s => CopysetsLed(s.Role)).ToList();
        Assert.Equal([1u, 2u, 3u], leaderships.Order());

        // The filesystem exists in the MDS with its data in the playground's S3 server.
        var list = Shell.Ok($"'{Binaries.Curvefs}' list-fs --mds {cluster.State.MdsEndpoints}");
        Assert.Contains("testfs", list);
        Assert.Contains(cluster.State.S3!.Endpoint, list);
        // `curvefs status` shows the same cluster as the MDS sees it.
        var clusterStatus = Shell.Ok($"'{Binaries.Curvefs}' status --mds {cluster.State.MdsEndpoints}");
        Assert.Contains(" leader ", clusterStatus);
        Assert.Contains(" standby ", clusterStatus);
        Assert.Equal(3, clusterStatus.Split('\n').Count(l => l.Contains(" online ") && l.Contains("copysets 1,2,3")));
        Assert.Contains("testfs (fs 1): 1 partitions (copyset ", clusterStatus);
        var again = Shell.Run($"'{Binaries.Curvefs}' playground up '{cluster.Dir}'");
        Assert.Equal(1, again.ExitCode);
        Assert.Contains("already up", again.Stderr);

        // A killed MDS is started again by `up`, which leaves the running processes alone.
        var standby = cluster.State.OfKind(PlaygroundKinds.Mds).Single(p => cluster.Status().Single(s => s.Address == p.Address).Role == "standby");
        var etcdPid = status[0].Pid;
        cluster.Kill9(standby.NodeId, PlaygroundKinds.Mds);
        Assert.Equal("down", cluster.Status().Single(s => s.Address == standby.Address).Role);
        cluster.Up();
        Assert.Equal("standby", cluster.Status().Single(s => s.Address == standby.Address).Role);
        Assert.Equal(etcdPid, cluster.Status()[0].Pid);

        var down = Shell.Run($"'{Binaries.Curvefs}' playground down '{cluster.Dir}'");
        Assert.Equal(0, down.ExitCode);
        Assert.All(cluster.Status(), s => Assert.Equal("down", s.Role));
        // up again restarts the same cluster with its data
        var up = Shell.Run($"'{Binaries.Curvefs}' playground up '{cluster.Dir}'", timeout: TimeSpan.FromMinutes(2));
        Assert.True(up.ExitCode == 0, up.ToString());
        Assert.Single(cluster.Status(), s => s.Kind == "mds" && s.Role == "leader");
        Assert.DoesNotContain("created filesystem", up.Stdout);
    }

    /// <summary>The copysets a metaserver's ROLE says it leads ("leader", "follower", "leader:1,3/follower:2").</summary>
    private static IEnumerable<uint> CopysetsLed(string role)
    {
        foreach (var part in role.Split('/'))
        {
            var fields = part.Split(':');
            if (fields[0] != "leader") continue;
            if (fields.Length == 1) return [1u, 2u, 3u];
            return fields[1].Split(',').Select(uint.Parse);
        }
        return [];
    }

    [Fact]
    public void Mount_WithUnreachableMetaservers_FailsWithAClearMessage()
    {
        var dir = Directory.CreateTempSubdirectory("curvefs-it-").FullName;
        try
        {
            var result = Shell.Run($"'{Binaries.Curvefs}' mount --metaservers 127.0.0.1:1 --fs x --storage local:{dir}/objects {dir}/mnt", timeout: TimeSpan.FromMinutes(2));
            Assert.Equal(1, result.ExitCode);
            Assert.Contains("127.0.0.1:1", result.Stderr);
            var usage = Shell.Run($"'{Binaries.Curvefs}' mount --metaservers 127.0.0.1:1 {dir}/mnt");
            Assert.Equal(64, usage.ExitCode);
            Assert.Contains("--fs", usage.Stderr);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
