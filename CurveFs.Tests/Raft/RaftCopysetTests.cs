using System.Diagnostics;
using CurveFs.Common.Fs;
using CurveFs.Common.Meta;
using CurveFs.Common.Snapshot;
using CurveFs.MetaServer.Hosting;
using CurveFs.MetaServer.Partition;
using Xunit.Abstractions;

namespace CurveFs.Tests.Raft;

/// <summary>Three RaftCopyset replicas in this process: election, replication, leader changes, restarts.</summary>
[Collection(RaftCollection.Name)]
public sealed class RaftCopysetTests(ITestOutputHelper output) : IDisposable
{
    private readonly RaftTestLog _log = new();
    private bool _passed;

    public void Dispose()
    {
        if (!_passed || RaftTestLog.Always) _log.WriteTo(output);
        _passed = true;
    }

    [Fact]
    [Trait("Category", "Integration")]
    public async Task Replication_CommandsThroughLeader_ApplyOnEveryReplica()
    {
        await using var cluster = new RaftTestCluster(loggerFactory: _log);
        await cluster.StartAllAsync();
        var leader = await cluster.WaitForLeaderAsync();
        await cluster.InitFsAsync(leader);
        for (var i = 0; i < 50; i++) await RaftTestCluster.Expect(cluster.Node(leader).ExecuteAsync(cluster.Create($"f{i:D3}")));

        var digest = await cluster.WaitForEqualDigestsAsync();
        for (var i = 0; i < cluster.Size; i++) Assert.Equal(digest, cluster.LocalDigest(i));
        Assert.Equal(50, (await cluster.NamesAsync(leader)).Count);
        var status = cluster.Node(leader).Status;
        Assert.Equal(CopysetRole.Leader, status.Role);
        Assert.Equal(cluster.Peers[leader].RpcEndpoint, status.LeaderEndpoint);
        Assert.True(status.Term > 0);
        Assert.True(status.CommitIndex >= 51, status.ToString());
        Assert.True(status.AppliedIndex >= 51, status.ToString());
        Assert.Null(status.Problem);
        _passed = true;
    }

    [Fact]
    [Trait("Category", "Integration")]
    public async Task Follower_RejectsCommandsAndReads_WithTheLeadersRpcEndpoint()
    {
        await using var cluster = new RaftTestCluster(loggerFactory: _log);
        await cluster.StartAllAsync();
        var leader = await cluster.WaitForLeaderAsync();
        await cluster.InitFsAsync(leader);
        var follower = (leader + 1) % cluster.Size;

        var command = await Assert.ThrowsAsync<NotLeaderException>(async () => await cluster.Node(follower).ExecuteAsync(cluster.Create("x")));
        Assert.Equal(cluster.Peers[leader].RpcEndpoint, command.LeaderEndpoint);
        Assert.Equal(1u, command.CopysetId);
        Assert.Contains(cluster.Peers[leader].RpcEndpoint, command.Message);

        var read = await Assert.ThrowsAsync<NotLeaderException>(async () => await cluster.Node(follower).ReadAsync(QueryExecutor.Digest));
        Assert.Equal(cluster.Peers[leader].RpcEndpoint, read.LeaderEndpoint);

        var status = cluster.Node(follower).Status;
        Assert.Equal(CopysetRole.Follower, status.Role);
        Assert.Equal(cluster.Peers[leader].RpcEndpoint, status.LeaderEndpoint);
        _passed = true;
    }

    [Fact]
    [Trait("Category", "Integration")]
    public async Task NumberedCommand_RetriedOnTheNextLeader_IsAppliedOnce()
    {
        await using var cluster = new RaftTestCluster(loggerFactory: _log);
        await cluster.StartAllAsync();
        var leader = await cluster.WaitForLeaderAsync();
        await cluster.InitFsAsync(leader);

        var request = new CommandEnvelope { ClientId = 77, Seq = 1, AckedBelow = 1, Command = cluster.Create("once") };
        var first = await cluster.Node(leader).ExecuteAsync(request);
        Assert.True(first.Ok);
        await cluster.WaitForEqualDigestsAsync();

        // The client did not see the answer; the leader goes away; it retries on the new leader.
        await cluster.StopAsync(leader);
        var newLeader = await cluster.WaitForLeaderAsync();
        var retry = await cluster.Node(newLeader).ExecuteAsync(new CommandEnvelope { ClientId = 77, Seq = 1, AckedBelow = 1, Command = cluster.Create("once") });

        Assert.True(retry.Ok, $"retry answered {retry.Error}, not the stored success");
        Assert.Equal(first.Inode!.Ino, retry.Inode!.Ino);
        Assert.Single(await cluster.NamesAsync(newLeader), "once");
        var unnumbered = await cluster.Node(newLeader).ExecuteAsync(cluster.Create("once"));
        Assert.Equal(Errno.EEXIST, unnumbered.Error);
        _passed = true;
    }

    [Fact]
    [Trait("Category", "Integration")]
    public async Task LeaderStopped_DuringACommandStream_NewLeaderTakesOver_AndOldLeaderCatchesUp()
    {
        await using var cluster = new RaftTestCluster(loggerFactory: _log);
        await cluster.StartAllAsync();
        var leader = await cluster.WaitForLeaderAsync();
        await cluster.InitFsAsync(leader);

        const ulong client = 5;
        ulong seq = 0;
        async Task Run(int count)
        {
            for (var i = 0; i < count; i++)
            {
                seq++;
                var result = await cluster.ExecuteOnLeaderAsync(new CommandEnvelope { ClientId = client, Seq = seq, AckedBelow = seq, Command = cluster.Create($"s{seq:D5}") });
                Assert.True(result.Ok, $"seq {seq}: {result.Error}");
            }
        }

        var stream = Task.Run(() => Run(400));
        while (seq < 100) await Task.Delay(10);
        var watch = Stopwatch.StartNew();
        await cluster.StopAsync(leader);
        var newLeader = await cluster.WaitForLeaderAsync(TimeSpan.FromSeconds(10));
        output.WriteLine($"old leader n{leader} stopped at seq {seq}; n{newLeader} leads after {watch.ElapsedMilliseconds} ms");
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(10));
        await stream;

        await cluster.StartAsync(leader);
        await Run(20);
        var digest = await cluster.WaitForEqualDigestsAsync();
        output.WriteLine($"converged on {digest}");
        Assert.Equal(seq, (ulong)(await cluster.NamesAsync(await cluster.WaitForLeaderAsync())).Count);
        _passed = true;
    }

    [Fact]
    [Trait("Category", "Integration")]
    public async Task AllStoppedAndRestarted_StateIsIdentical_AlsoAfterASnapshotCompactedTheLog()
    {
        await using var cluster = new RaftTestCluster(snapshotThreshold: 100, loggerFactory: _log);
        await cluster.StartAllAsync();
        var leader = await cluster.WaitForLeaderAsync();
        await cluster.InitFsAsync(leader);
        for (var i = 0; i < 260; i++) await RaftTestCluster.Expect(cluster.Node(leader).ExecuteAsync(cluster.Create($"f{i:D3}")));
        var before = await cluster.WaitForEqualDigestsAsync();
        for (var i = 0; i < cluster.Size; i++)
        {
            var files = cluster.SnapshotFiles(i);
            Assert.NotEmpty(files);
            foreach (var file in files)
            {
                var info = SnapshotReader.Verify(file); // DotNext's snapshot files are CURVEFS snapshots
                output.WriteLine($"n{i}: {Path.GetFileName(file)} {info}");
            }
            foreach (var file in Directory.GetFiles(cluster.DataDirectory(i), "*", SearchOption.AllDirectories))
                output.WriteLine($"  {Path.GetRelativePath(cluster.Root, file)} {new FileInfo(file).Length}");
        }

        await cluster.StopAllAsync();
        await cluster.StartAllAsync();
        Assert.Equal(before, await cluster.WaitForEqualDigestsAsync());

        leader = await cluster.WaitForLeaderAsync();
        await RaftTestCluster.Expect(cluster.Node(leader).ExecuteAsync(cluster.Create("after-restart")));
        await cluster.WaitForEqualDigestsAsync();
        Assert.Equal(261, (await cluster.NamesAsync(leader)).Count);
        _passed = true;
    }

    [Fact]
    [Trait("Category", "Integration")]
    public async Task QuorumLost_CommandsAndReadsFailWithinTheRequestTimeout_InsteadOfHanging()
    {
        await using var cluster = new RaftTestCluster(requestTimeout: TimeSpan.FromSeconds(2), loggerFactory: _log);
        await cluster.StartAllAsync();
        var leader = await cluster.WaitForLeaderAsync();
        await cluster.InitFsAsync(leader);
        for (var i = 0; i < cluster.Size; i++)
            if (i != leader) await cluster.StopAsync(i);

        var node = cluster.Node(leader);
        var watch = Stopwatch.StartNew();
        var command = await Assert.ThrowsAnyAsync<Exception>(async () => await node.ExecuteAsync(cluster.Create("lost")));
        output.WriteLine($"command after {watch.ElapsedMilliseconds} ms: {command.GetType().Name}: {command.Message}");
        Assert.True(command is TimeoutException or NotLeaderException, command.ToString());
        Assert.Contains("copyset 1", command.Message);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(5));

        watch.Restart();
        var read = await Assert.ThrowsAnyAsync<Exception>(async () => await node.ReadAsync(QueryExecutor.Digest));
        output.WriteLine($"read after {watch.ElapsedMilliseconds} ms: {read.GetType().Name}: {read.Message}");
        Assert.True(read is TimeoutException or NotLeaderException, read.ToString());
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(5));
        Assert.NotEqual(CopysetRole.Leader, node.Status.Role);
        _passed = true;
    }
}
