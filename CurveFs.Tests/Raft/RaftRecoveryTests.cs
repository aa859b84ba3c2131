using System.Diagnostics;
using CurveFs.Common.Meta;
using CurveFs.Common.Snapshot;
using CurveFs.MetaServer.Hosting;
using CurveFs.MetaServer.Partition;
using CurveFs.MetaServer.Raft;
using Xunit.Abstractions;

namespace CurveFs.Tests.Raft;

/// <summary>Replicas that fall behind, lose their snapshot, or meet a command that throws.</summary>
[Collection(RaftCollection.Name)]
public sealed class RaftRecoveryTests(ITestOutputHelper output) : IDisposable
{
    private readonly RaftTestLog _log = new();
    private bool _passed;

    public void Dispose()
    {
        if (!_passed || RaftTestLog.Always) _log.WriteTo(output);
    }

    /// <summary>Runs count creates through the leader, `parallel` at a time, as numbered requests of one
    /// client per worker (a retry after a leader change never applies twice).</summary>
    private static async Task CreateManyAsync(RaftTestCluster cluster, string prefix, int count, int parallel = 16)
    {
        var next = -1;
        await Task.WhenAll(Enumerable.Range(0, parallel).Select(async worker =>
        {
            var client = (ulong)Random.Shared.NextInt64(1, long.MaxValue);
            ulong seq = 0;
            for (int i; (i = Interlocked.Increment(ref next)) < count;)
            {
                seq++;
                var result = await cluster.ExecuteOnLeaderAsync(new CommandEnvelope { ClientId = client, Seq = seq, AckedBelow = seq, Command = cluster.Create($"{prefix}{i:D5}") });
                Assert.True(result.Ok, $"{prefix}{i:D5}: {result.Error}");
            }
        }));
    }

    private static long SnapshotIndex(string file) => long.Parse(Path.GetFileName(file).Split('-')[0]);

    [Fact]
    [Trait("Category", "Integration")]
    public async Task FollowerFarBehind_AfterTheLeaderCompactedItsLog_CatchesUpBySnapshotInstallation()
    {
        await using var cluster = new RaftTestCluster(snapshotThreshold: 500, loggerFactory: _log);
        await cluster.StartAllAsync();
        var leader = await cluster.WaitForLeaderAsync();
        await cluster.InitFsAsync(leader);
        await CreateManyAsync(cluster, "a", 100);
        await cluster.WaitForEqualDigestsAsync();

        var follower = (leader + 1) % cluster.Size;
        var stoppedAt = cluster.Node(follower).Status.AppliedIndex;
        await cluster.StopAsync(follower);
        var watch = Stopwatch.StartNew();
        await CreateManyAsync(cluster, "b", 3200);
        output.WriteLine($"3,200 commands with one follower down: {watch.ElapsedMilliseconds} ms");
        leader = await cluster.WaitForLeaderAsync();
        var leaderSnapshot = cluster.SnapshotFiles(leader).Select(SnapshotIndex).Max();
        Assert.True(leaderSnapshot > stoppedAt + 3 * cluster.SnapshotThreshold,
            $"the leader's snapshot ({leaderSnapshot}) should cover far more than the follower had ({stoppedAt})");

        watch.Restart();
        await cluster.StartAsync(follower);
        var digest = await cluster.WaitForEqualDigestsAsync();
        output.WriteLine($"follower n{follower} caught up in {watch.ElapsedMilliseconds} ms: {digest}");
        Assert.True(_log.Contains($"{Path.DirectorySeparatorChar}n{follower}{Path.DirectorySeparatorChar}snapshots{Path.DirectorySeparatorChar}"),
            "the follower should have loaded a snapshot received from the leader");
        Assert.Equal(3300, (await cluster.NamesAsync(await cluster.WaitForLeaderAsync())).Count);

        // And it keeps up afterwards, through the log.
        await CreateManyAsync(cluster, "c", 50);
        await cluster.WaitForEqualDigestsAsync();
        _passed = true;
    }

    [Fact]
    [Trait("Category", "Integration")]
    public async Task CorruptedSnapshot_ReplicaRefusesToServe_ThenRecoversFromTheLeaderOnceTheDirectoryIsMovedAway()
    {
        await using var cluster = new RaftTestCluster(snapshotThreshold: 100, loggerFactory: _log);
        await cluster.StartAllAsync();
        var leader = await cluster.WaitForLeaderAsync();
        await cluster.InitFsAsync(leader);
        await CreateManyAsync(cluster, "a", 250);
        await cluster.WaitForEqualDigestsAsync();

        var victim = (leader + 1) % cluster.Size;
        await cluster.StopAsync(victim);
        var file = cluster.SnapshotFiles(victim).OrderBy(SnapshotIndex).Last();
        var bytes = File.ReadAllBytes(file);
        bytes[bytes.Length / 2] ^= 0x5A;
        File.WriteAllBytes(file, bytes);
        var readerMessage = Assert.Throws<SnapshotCorruptException>(() => SnapshotReader.Verify(file)).Message;

        var damaged = await cluster.StartAsync(victim);
        var status = damaged.Status;
        Assert.Equal(CopysetRole.Unavailable, status.Role);
        Assert.Contains(readerMessage, status.Problem);
        Assert.Contains(cluster.DataDirectory(victim), status.Problem); // the operator step names the directory
        await Assert.ThrowsAsync<CopysetUnavailableException>(async () => await damaged.ExecuteAsync(cluster.Create("x")));
        var read = await Assert.ThrowsAsync<CopysetUnavailableException>(async () => await damaged.ReadAsync(QueryExecutor.Digest));
        Assert.Contains(readerMessage, read.Message);
        await Assert.ThrowsAsync<CopysetUnavailableException>(async () => await damaged.SyncAsync());
        Assert.Equal("0:E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855", cluster.LocalDigest(victim)); // nothing loaded

        // The other two go on without it.
        leader = await cluster.WaitForLeaderAsync();
        await CreateManyAsync(cluster, "b", 150);

        // Operator: move the replica directory aside, keep the Raft term/vote file, restart (docs/raft.md).
        await cluster.StopAsync(victim);
        var dir = cluster.DataDirectory(victim);
        Directory.Move(dir, dir + ".damaged");
        Directory.CreateDirectory(Path.Combine(dir, "wal"));
        File.Copy(Path.Combine(dir + ".damaged", "wal", "state"), Path.Combine(dir, "wal", "state"));
        await cluster.StartAsync(victim);

        var digest = await cluster.WaitForEqualDigestsAsync();
        output.WriteLine($"recovered: {digest}");
        Assert.NotEqual(CopysetRole.Unavailable, cluster.Node(victim).Status.Role);
        Assert.Equal(400, (await cluster.NamesAsync(leader)).Count);
        _passed = true;
    }

    [Fact]
    [Trait("Category", "Integration")]
    public async Task CommandThatThrowsInApply_StopsEveryReplicaThatAppliesIt_InsteadOfDiverging()
    {
        await using var cluster = new RaftTestCluster(loggerFactory: _log);
        await cluster.StartAllAsync();
        var leader = await cluster.WaitForLeaderAsync();
        await cluster.InitFsAsync(leader);
        await RaftTestCluster.Expect(cluster.Node(leader).ExecuteAsync(cluster.Create("before")));

        // A null partition makes InitFs throw (NullReferenceException) on every replica that applies it.
        var poison = new InitFsCommand { FsId = 99, Partition = null! };
        var error = await Assert.ThrowsAsync<CopysetUnavailableException>(async () => await cluster.Node(leader).ExecuteAsync(poison));
        Assert.Contains("applying log entry", error.Message);
        Assert.Contains("InitFsCommand", error.Message);
        var leaderStatus = cluster.Node(leader).Status;
        Assert.Equal(CopysetRole.Unavailable, leaderStatus.Role);
        Assert.Contains("NullReferenceException", leaderStatus.Problem);

        // The entry is committed, so whichever follower leads next applies it and stops too; the last one
        // left has no quorum. Nobody serves, nobody diverges.
        var watch = Stopwatch.StartNew();
        while (Enumerable.Range(0, cluster.Size).Count(i => cluster.Node(i).Status.Role == CopysetRole.Unavailable) < 2)
        {
            Assert.True(watch.Elapsed < RaftTestCluster.Patience, string.Join("; ", Enumerable.Range(0, cluster.Size).Select(i => cluster.Node(i).Status)));
            await Task.Delay(50);
        }
        for (var i = 0; i < cluster.Size; i++)
        {
            var node = cluster.Node(i);
            Assert.NotEqual(CopysetRole.Leader, node.Status.Role);
            var refused = await Assert.ThrowsAnyAsync<Exception>(async () => await node.ReadAsync(QueryExecutor.Digest));
            Assert.True(refused is CopysetUnavailableException or NotLeaderException, refused.ToString());
        }
        _passed = true;
    }

    [Fact]
    [Trait("Category", "Integration")]
    public async Task Latency_CommitsAndBarrierReads_AreReported()
    {
        await using var cluster = new RaftTestCluster(loggerFactory: _log);
        await cluster.StartAllAsync();
        var leader = await cluster.WaitForLeaderAsync();
        await cluster.InitFsAsync(leader);
        await CreateManyAsync(cluster, "warm", 300); // JIT

        var node = cluster.Node(await cluster.WaitForLeaderAsync());
        const int sequential = 300;
        var latencies = new double[sequential];
        for (var i = 0; i < sequential; i++)
        {
            var start = Stopwatch.GetTimestamp();
            await RaftTestCluster.Expect(node.ExecuteAsync(cluster.Create($"seq{i:D5}")));
            latencies[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        }
        Array.Sort(latencies);
        output.WriteLine($"commit, concurrency 1: p50 {latencies[sequential / 2]:0.00} ms, p99 {latencies[sequential * 99 / 100]:0.00} ms");

        foreach (var parallel in new[] { 16, 64 })
        {
            var watch = Stopwatch.StartNew();
            await CreateManyAsync(cluster, $"p{parallel}-", 2000, parallel);
            output.WriteLine($"commit, concurrency {parallel}: {2000 / watch.Elapsed.TotalSeconds:0} commands/s");
        }

        node = cluster.Node(await cluster.WaitForLeaderAsync());
        var reads = new double[sequential];
        for (var i = 0; i < sequential; i++)
        {
            var start = Stopwatch.GetTimestamp();
            await node.ReadAsync(kv => MetaQueries.GetAttr(kv, RaftTestCluster.Fs, 1));
            reads[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        }
        Array.Sort(reads);
        output.WriteLine($"read barrier + getattr, concurrency 1: p50 {reads[sequential / 2]:0.00} ms, p99 {reads[sequential * 99 / 100]:0.00} ms");
        await node.SyncAsync();
        _passed = true;
    }
}
