using System.Text;
using Xunit.Abstractions;

namespace CurveFs.Tests.Integration;

/// <summary>
/// A mount over a 3-metaserver cluster while metaservers die: the application sees no error for work
/// the new leader completes, nothing acknowledged is lost, and replicas end identical.
/// </summary>
[Collection("Integration")]
[Trait("Category", "Integration")]
public sealed class ClusterFailureTests(ITestOutputHelper output)
{
    /// <summary>A workload of creates, fsynced writes, renames and mkdirs; every step it completed is recorded.</summary>
    private sealed class Workload(string root)
    {
        public readonly List<string> Files = [];
        public readonly List<string> Dirs = [];
        public Exception? Error;
        public int Steps;

        public void Run(CancellationToken stop)
        {
            try
            {
                for (var i = 0; !stop.IsCancellationRequested; i++)
                {
                    var name = $"w{i:D5}";
                    var path = Path.Combine(root, name);
                    using (var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write))
                    {
                        file.Write(Encoding.ASCII.GetBytes($"content of {name}\n"));
                        file.Flush(flushToDisk: true);
                    }
                    if (i % 3 == 0)
                    {
                        var renamed = path + ".renamed";
                        File.Move(path, renamed);
                        Files.Add(renamed);
                    }
                    else Files.Add(path);
                    if (i % 10 == 0)
                    {
                        var dir = Path.Combine(root, $"dir{i:D5}");
                        Directory.CreateDirectory(dir);
                        Dirs.Add(dir);
                    }
                    Steps++;
                }
            }
            catch (Exception e)
            {
                Error = e;
            }
        }

        public void Verify()
        {
            foreach (var file in Files)
            {
                var name = Path.GetFileName(file).Replace(".renamed", "");
                Assert.Equal($"content of {name}\n", File.ReadAllText(file));
            }
            foreach (var dir in Dirs) Assert.True(Directory.Exists(dir), dir);
            Assert.Equal(Files.Count + Dirs.Count, Directory.GetFileSystemEntries(root).Length);
        }
    }

    [Fact]
    public void KillingTheLeaderDuringAWorkload_CausesNoErrors_LosesNothing_ReplicasConverge()
    {
        using var cluster = new PlaygroundCluster();
        using var mount = MountedFilesystem.Of(cluster.MountArgs);
        var root = Directory.CreateDirectory(mount.PathOf("work")).FullName;
        var workload = new Workload(root);
        using var stop = new CancellationTokenSource();
        var thread = new Thread(() => workload.Run(stop.Token));
        thread.Start();
        Thread.Sleep(3000);
        var leader = cluster.WaitForLeader();
        var stepsBefore = workload.Steps;
        cluster.Kill9(leader.NodeId);
        var newLeader = cluster.WaitForLeader(TimeSpan.FromSeconds(30), notNode: leader.NodeId);
        Thread.Sleep(4000);
        stop.Cancel();
        thread.Join();
        output.WriteLine($"killed leader {leader.NodeId} after {stepsBefore} steps; new leader {newLeader.NodeId}; {workload.Steps} steps in all");
        Assert.True(workload.Error is null, $"the application saw an error: {workload.Error}\n{mount.ReadLog()}");
        Assert.True(workload.Steps > stepsBefore + 5, $"the workload did not continue after the failover ({stepsBefore} -> {workload.Steps})");
        workload.Verify();

        cluster.Restart(leader.NodeId);
        var digests = cluster.Digests(TimeSpan.FromSeconds(60));
        Assert.True(digests.Count == 3 && digests.Values.Distinct().Count() == 1, $"replicas differ: {string.Join(", ", digests)}\n{cluster.Logs()}");
    }

    [Fact]
    public void KillingAllThreeAndRestarting_KeepsTheStateIdentical_AfterSnapshotsAndCompaction()
    {
        using var cluster = new PlaygroundCluster(snapshotEvery: 200);
        string before;
        using (var mount = MountedFilesystem.Of(cluster.MountArgs))
        {
            Shell.Ok($"cd '{mount.MountPoint}' && mkdir tree && for i in $(seq 1 600); do echo $i > tree/f$i; done && mv tree tree2 && ln -s tree2 link", timeout: TimeSpan.FromMinutes(5));
            before = Shell.Ok($"cd '{mount.MountPoint}' && find . -printf '%p %y %m %s %n %u %g %T@ %l\\n' | sort | sha256sum");
            mount.Unmount();
        }
        var digestsBefore = cluster.Digests();
        Assert.Single(digestsBefore.Values.Distinct());
        foreach (var node in cluster.MetaServers)
        {
            var snapshots = Path.Combine(Path.GetDirectoryName(node.ConfigPath)!, "data", "copyset-1", "snapshots");
            var files = Directory.GetFiles(snapshots).Where(f => !f.EndsWith(".tmp")).ToList();
            Assert.NotEmpty(files);
            foreach (var file in files) Shell.Ok($"'{Binaries.MetaServer}' snapshot verify '{file}'");
        }
        foreach (var node in cluster.MetaServers) cluster.Kill9(node.NodeId);
        foreach (var node in cluster.MetaServers) cluster.Restart(node.NodeId);
        cluster.WaitForLeader(TimeSpan.FromSeconds(60));
        var digestsAfter = cluster.Digests(TimeSpan.FromSeconds(60));
        Assert.True(digestsAfter.Count == 3 && digestsAfter.Values.Distinct().Count() == 1 && digestsAfter.Values.First() == digestsBefore.Values.First(),
            $"before: {string.Join(", ", digestsBefore)}\nafter: {string.Join(", ", digestsAfter)}\n{cluster.Logs()}");
        using var again = MountedFilesystem.Of(cluster.MountArgs);
        Assert.Equal(before, Shell.Ok($"cd '{again.MountPoint}' && find . -printf '%p %y %m %s %n %u %g %T@ %l\\n' | sort | sha256sum"));
    }

    [Fact]
    public void FollowerStoppedDuringTenThousandOperations_CatchesUpAfterRestart()
    {
        using var cluster = new PlaygroundCluster(snapshotEvery: 1000);
        using var mount = MountedFilesystem.Of(cluster.MountArgs);
        var leader = cluster.WaitForLeader();
        var follower = cluster.MetaServers.First(p => p.NodeId != leader.NodeId);
        cluster.Kill9(follower.NodeId);
        var dir = Directory.CreateDirectory(mount.PathOf("many")).FullName;
        for (var i = 0; i < 10_000; i++) File.Create(Path.Combine(dir, $"f{i}")).Dispose();
        cluster.Restart(follower.NodeId);
        var digests = cluster.Digests(TimeSpan.FromSeconds(90));
        Assert.True(digests.Count == 3 && digests.Values.Distinct().Count() == 1, $"replicas differ: {string.Join(", ", digests)}\n{cluster.Logs()}");
        Assert.Equal(10_000, Directory.GetFiles(dir).Length);
    }

    [Fact]
    public void CorruptSnapshotOnOneReplica_IsRefused_ThenRecoveredFromTheLeaderByTheOperatorSteps()
    {
        using var cluster = new PlaygroundCluster(snapshotEvery: 100);
        using var mount = MountedFilesystem.Of(cluster.MountArgs);
        Shell.Ok($"cd '{mount.MountPoint}' && for i in $(seq 1 300); do echo $i > f$i; done", timeout: TimeSpan.FromMinutes(3));
        var leader = cluster.WaitForLeader();
        var victim = cluster.MetaServers.First(p => p.NodeId != leader.NodeId);
        var copysetDir = Path.Combine(Path.GetDirectoryName(victim.ConfigPath)!, "data", "copyset-1");
        cluster.Kill9(victim.NodeId);
        var snapshot = Directory.GetFiles(Path.Combine(copysetDir, "snapshots")).Where(f => !f.EndsWith(".tmp")).OrderBy(File.GetLastWriteTimeUtc).Last();
        var bytes = File.ReadAllBytes(snapshot);
        bytes[bytes.Length / 2] ^= 0x10;
        File.WriteAllBytes(snapshot, bytes);

        cluster.Restart(victim.NodeId);
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (cluster.Status().Single(s => s.Address == victim.Address).Role != "unavailable" && DateTime.UtcNow < deadline) Thread.Sleep(200);
        Assert.Equal("unavailable", cluster.Status().Single(s => s.Address == victim.Address).Role);
        Assert.Contains("checksum mismatch", File.ReadAllText(victim.LogPath));
        // the other two still serve the mount
        File.WriteAllText(mount.PathOf("while-degraded"), "ok");

        // operator steps (docs/raft.md): stop, move the replica aside, keep term/vote, start
        cluster.Kill9(victim.NodeId);
        Directory.Move(copysetDir, copysetDir + ".damaged");
        Directory.CreateDirectory(Path.Combine(copysetDir, "wal"));
        File.Copy(Path.Combine(copysetDir + ".damaged", "wal", "state"), Path.Combine(copysetDir, "wal", "state"));
        cluster.Restart(victim.NodeId);
        var digests = cluster.Digests(TimeSpan.FromSeconds(90));
        Assert.True(digests.Count == 3 && digests.Values.Distinct().Count() == 1, $"replicas differ: {string.Join(", ", digests)}\n{cluster.Logs()}");
    }
}
