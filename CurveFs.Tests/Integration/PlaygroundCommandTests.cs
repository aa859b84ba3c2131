namespace CurveFs.Tests.Integration;

/// <summary>The playground and create-fs commands as a user runs them.</summary>
[Collection("Integration")]
[Trait("Category", "Integration")]
public sealed class PlaygroundCommandTests
{
    [Fact]
    public void UpStatusCreateFsDown_ReportWhatTheyDo()
    {
        using var cluster = new PlaygroundCluster();
        Assert.Contains("curvefs mount --metaservers", cluster.UpOutput);
        var status = cluster.Status();
        Assert.Equal(3, status.Count);
        Assert.All(status, s => Assert.Equal("metaserver", s.Kind));
        Assert.Single(status, s => s.Role == "leader");
        Assert.Equal(2, status.Count(s => s.Role == "follower"));
        Assert.All(status, s => Assert.True(File.Exists($"/proc/{s.Pid}/status"), $"pid {s.Pid} is not running"));

        var endpoints = string.Join(',', cluster.State.MetaServerEndpoints);
        Assert.Equal(0, Shell.Run($"'{Binaries.Curvefs}' create-fs testfs --metaservers {endpoints}").ExitCode);
        var other = Shell.Run($"'{Binaries.Curvefs}' create-fs another --metaservers {endpoints}");
        Assert.Equal(1, other.ExitCode);
        Assert.Contains("already exists", other.Stderr);
        var again = Shell.Run($"'{Binaries.Curvefs}' playground up '{cluster.Dir}'");
        Assert.Equal(1, again.ExitCode);
        Assert.Contains("already up", again.Stderr);

        var down = Shell.Run($"'{Binaries.Curvefs}' playground down '{cluster.Dir}'");
        Assert.Equal(0, down.ExitCode);
        Assert.All(cluster.Status(), s => Assert.Equal("down", s.Role));
        // up again restarts the same cluster with its data
        var up = Shell.Run($"'{Binaries.Curvefs}' playground up '{cluster.Dir}'", timeout: TimeSpan.FromMinutes(2));
        Assert.True(up.ExitCode == 0, up.ToString());
        Assert.Single(cluster.Status(), s => s.Role == "leader");
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
