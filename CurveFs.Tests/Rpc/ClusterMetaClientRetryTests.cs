using System.Diagnostics;
using System.Text;
using CurveFs.Common.Fs;
using CurveFs.Common.Meta;
using CurveFs.MetaServer.Hosting;
using CurveFs.MetaServer.Partition;
using CurveFs.Mount.Meta;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace CurveFs.Tests.Rpc;

/// <summary>Lost replies, leader changes, dead endpoints and full partitions, as a client sees them.</summary>
[Trait("Category", "Integration")]
public sealed class ClusterMetaClientRetryTests
{
    private static byte[] N(string name) => Encoding.UTF8.GetBytes(name);

    private static CreateNodeCommand Create(ulong parent, string name) =>
        new() { Parent = parent, Name = N(name), Mode = FileModes.Regular | 0x1A4, NowNs = Clock.NowNs() };

    private static async Task<List<string>> NamesAsync(IMetaClient client, ulong dir) =>
        (await client.ReadDirAsync(dir, null, 1000, false)).Value.Select(e => Encoding.UTF8.GetString(e.Name)).ToList();

    [Fact]
    public async Task LostReply_RetriedCreate_ReturnsTheFirstInode_NotEEXIST()
    {
        await using var host = await RpcTestHost.StartAsync();
        await using var client = await ClusterMetaClientTests.CreateFsAsync(host);
        host.Served.Executed.Clear();
        host.Served.LoseReplies(1);

        var result = await client.ExecuteAsync(Create(1, "a"));

        Assert.True(result.Ok, result.Error.ToString());
        var sent = host.Served.Executed.ToArray();
        Assert.Equal(2, sent.Length);
        Assert.Equal(sent[0].Seq, sent[1].Seq); // the retry is the same request
        Assert.Equal(sent[0].ClientId, sent[1].ClientId);
        Assert.Equal(client.ClientId, sent[0].ClientId);
        Assert.Equal((await client.LookupAsync(Caller.Root, 1, N("a"))).Value.Ino, result.Inode!.Ino);
        Assert.Equal(["a"], await NamesAsync(client, 1));
    }

    [Fact]
    public async Task LostReply_RetriedRename_DoesNotFail()
    {
        await using var host = await RpcTestHost.StartAsync();
        await using var client = await ClusterMetaClientTests.CreateFsAsync(host);
        Assert.True((await client.ExecuteAsync(Create(1, "x"))).Ok);
        host.Served.LoseReplies(1);

        var renamed = await client.ExecuteAsync(new RenameCommand { Parent = 1, Name = N("x"), NewParent = 1, NewName = N("y"), NowNs = Clock.NowNs() });

        Assert.True(renamed.Ok, renamed.Error.ToString()); // a second application would say ENOENT
        Assert.Equal(["y"], await NamesAsync(client, 1));
    }

    [Fact]
    public async Task ReplyPastTheDeadline_RetriedUnlink_SucceedsOnce()
    {
        await using var host = await RpcTestHost.StartAsync();
        await using var client = await ClusterMetaClientTests.CreateFsAsync(host, RpcTestHost.Options(host.Endpoint) with { CallTimeout = TimeSpan.FromMilliseconds(250) });
        Assert.True((await client.ExecuteAsync(Create(1, "doomed"))).Ok);
        host.Served.Executed.Clear();
        host.Served.SlowReplyDelay = TimeSpan.FromMilliseconds(700);
        host.Served.SlowReplies(1);

        var unlinked = await client.ExecuteAsync(new UnlinkCommand { Parent = 1, Name = N("doomed"), NowNs = Clock.NowNs() });

        Assert.True(unlinked.Ok, unlinked.Error.ToString());
        var sent = host.Served.Executed.ToArray();
        Assert.True(sent.Length >= 2);
        Assert.All(sent, e => Assert.Equal(sent[0].Seq, e.Seq));
        Assert.Empty(await NamesAsync(client, 1));
    }

    [Fact]
    public async Task AckedBelow_IsTheSmallestSeqInFlight()
    {
        await using var host = await RpcTestHost.StartAsync();
        await using var client = await ClusterMetaClientTests.CreateFsAsync(host);
        host.Served.Executed.Clear();
        host.Served.SlowReplyDelay = TimeSpan.FromSeconds(1);
        host.Served.SlowReplies(1);
        var slow = client.ExecuteAsync(Create(1, "slow")).AsTask();
        while (host.Served.Executed.IsEmpty) await Task.Delay(5);
        var slowSeq = host.Served.Executed.Single().Seq;
        for (var i = 0; i < 3; i++) Assert.True((await client.ExecuteAsync(Create(1, $"f{i}"))).Ok);
        Assert.True((await slow).Ok);
        Assert.True((await client.ExecuteAsync(Create(1, "last"))).Ok);

        var sent = host.Served.Executed.ToArray();
        Assert.All(sent[1..4], e => Assert.Equal(slowSeq, e.AckedBelow)); // held back by the slow request
        Assert.Equal(sent[4].Seq, sent[4].AckedBelow); // nothing older in flight
        Assert.Equal(0, client.CommandsInFlight);
    }

    [Fact]
    public async Task NotLeader_WithAHint_IsFollowed_AndTheLeaderIsCached()
    {
        await using var leader = await RpcTestHost.StartAsync(nodeId: 2);
        await using var follower = await RpcTestHost.StartAsync(nodeId: 1);
        follower.Served.NotLeaderHint = leader.Endpoint;
        // Only the follower is configured: reaching the leader proves the hint was followed.
        await using var client = await ClusterMetaClientTests.CreateFsAsync(leader, RpcTestHost.Options(follower.Endpoint));

        Assert.Equal(leader.Endpoint, client.LeaderOf(1));
        for (var i = 0; i < 10; i++) Assert.True((await client.ExecuteAsync(Create(1, $"f{i}"))).Ok);
        Assert.True((await client.GetAttrAsync(1)).Ok);
        Assert.Equal(1, follower.Served.Calls); // asked once, then the cached leader is used
        Assert.Equal(10, (await NamesAsync(client, 1)).Count);
    }

    [Fact]
    public async Task NotLeader_WithoutAHint_TriesTheNextEndpoint()
    {
        await using var leader = await RpcTestHost.StartAsync(nodeId: 2);
        await using var follower = await RpcTestHost.StartAsync(nodeId: 1);
        follower.Served.NotLeaderHint = "";
        await using var client = await ClusterMetaClientTests.CreateFsAsync(leader, RpcTestHost.Options(follower.Endpoint, leader.Endpoint));
        Assert.Equal(leader.Endpoint, client.LeaderOf(1));
        Assert.True((await client.ExecuteAsync(Create(1, "f"))).Ok);
    }

    [Fact]
    public async Task DeadEndpointFirst_TheLiveOneAnswers()
    {
        await using var host = await RpcTestHost.StartAsync();
        await using var client = await ClusterMetaClientTests.CreateFsAsync(host, RpcTestHost.Options(RpcTestHost.ClosedEndpoint(), host.Endpoint));
        Assert.True((await client.ExecuteAsync(Create(1, "f"))).Ok);
        Assert.Equal(host.Endpoint, client.LeaderOf(1));
    }

    [Fact]
    public async Task AllEndpointsDown_CommandReturnsEIO_WithinTheBudget_AndTheLogNamesThem()
    {
        var dead = new[] { RpcTestHost.ClosedEndpoint(), RpcTestHost.ClosedEndpoint() };
        var logs = new CollectingLoggerProvider();
        var options = RpcTestHost.Options(dead) with { RetryBudget = TimeSpan.FromSeconds(1), CallTimeout = TimeSpan.FromMilliseconds(300) };
        await using var client = new ClusterMetaClient(options, RpcTestHost.Fs, logs.CreateLogger("meta"));

        var watch = Stopwatch.StartNew();
        var result = await client.ExecuteAsync(Create(1, "f"));
        var elapsed = watch.Elapsed;

        Assert.Equal(Errno.EIO, result.Error);
        Assert.InRange(elapsed, TimeSpan.FromSeconds(0.9), TimeSpan.FromSeconds(3));
        var error = Assert.Single(logs.Lines, l => l.Level == LogLevel.Error).Message;
        Assert.Contains(dead[0], error);
        Assert.Contains(dead[1], error);
        Assert.Contains("copyset 1", error);
        Assert.Contains("refused", error);
        Assert.Equal(Errno.EIO, (await client.GetAttrAsync(1)).Error);
        await Assert.ThrowsAsync<MetaClusterException>(async () => await client.StatFsAsync());
        Assert.Equal(0, client.CommandsInFlight);
    }

    [Fact]
    public async Task BudgetSpent_TheErrorKeepsWhatAServerLastSaid_WhicheverEndpointFailedLast()
    {
        // One endpoint answers "not the leader", the other refuses connections: whichever the last attempt
        // went to, the error names the server's answer, which says more than "connection refused".
        await using var follower = await RpcTestHost.StartAsync();
        follower.Served.NotLeaderHint = "";
        var logs = new CollectingLoggerProvider();
        var options = RpcTestHost.Options(RpcTestHost.ClosedEndpoint(), follower.Endpoint) with { RetryBudget = TimeSpan.FromMilliseconds(700) };
        await using var client = new ClusterMetaClient(options, RpcTestHost.Fs, logs.CreateLogger("meta"));

        for (var i = 0; i < 3; i++)
        {
            logs.Lines.Clear();
            Assert.Equal(Errno.EIO, (await client.ExecuteAsync(Create(1, $"f{i}"))).Error);
            var error = Assert.Single(logs.Lines, l => l.Level == LogLevel.Error).Message;
            Assert.Contains($"{follower.Endpoint}: not the leader, no leader known", error);
        }
    }

    [Fact]
    public async Task ConnectAsync_NoMetaserverAnswers_SaysWhichEndpointsAndWhatToDo()
    {
        var dead = RpcTestHost.ClosedEndpoint();
        var options = RpcTestHost.Options(dead) with { RetryBudget = TimeSpan.FromMilliseconds(300) };
        var e = await Assert.ThrowsAsync<MetaClusterException>(() => ClusterMetaClient.ConnectAsync(options, "testfs", NullLogger.Instance));
        Assert.Equal(Errno.EIO, e.Errno);
        Assert.Contains(dead, e.Message);
        Assert.Contains("Check that the metaservers are running", e.Message);
    }

    [Fact]
    public async Task InternalError_FailsAtOnce_WithoutSpendingTheBudget()
    {
        await using var host = await RpcTestHost.StartAsync();
        await using var client = await ClusterMetaClientTests.CreateFsAsync(host);
        host.Served.Fault = new InvalidOperationException("state machine bug");
        var watch = Stopwatch.StartNew();
        Assert.Equal(Errno.EIO, (await client.ExecuteAsync(Create(1, "f"))).Error);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(2), $"took {watch.Elapsed}");
    }

    [Fact]
    public async Task UnavailableCopyset_IsRetried_UntilItServesAgain()
    {
        await using var host = await RpcTestHost.StartAsync();
        await using var client = await ClusterMetaClientTests.CreateFsAsync(host);
        host.Served.Fault = new CopysetUnavailableException("electing a leader");
        var pending = client.ExecuteAsync(Create(1, "f")).AsTask();
        await Task.Delay(200);
        Assert.False(pending.IsCompleted);
        host.Served.Fault = null;
        Assert.True((await pending).Ok);
    }

    [Fact]
    public async Task MetaserverRestart_ClientCarriesOn()
    {
        var host = await RpcTestHost.StartAsync();
        var port = host.Server.BoundEndpoint.Port;
        await using var client = await ClusterMetaClientTests.CreateFsAsync(host);
        Assert.True((await client.ExecuteAsync(Create(1, "before"))).Ok);
        await host.DisposeAsync();

        var pending = client.GetAttrAsync(1).AsTask();
        await Task.Delay(1500); // several refused attempts (and the channel's reconnect backoff)
        Assert.False(pending.IsCompleted);
        await using var restarted = await RpcTestHost.StartAsync(port: port);
        var watch = Stopwatch.StartNew();
        Assert.Equal(Errno.ENOENT, (await pending).Error); // a fresh, empty copyset answers now
        // Well under the retry budget: the client's backoff is capped, it does not sleep through the restart.
        // (A loose bound: the machine may be loaded; this is not a timing benchmark.)
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(10), $"took {watch.Elapsed}");
        Assert.Equal(Errno.Ok, await client.InitializeAsync(0, 0, FileModes.Directory | 0x1ED));
    }

    [Fact]
    public async Task NeedsPartition_ATinyPartition_IsRefilledTransparently()
    {
        await using var host = await RpcTestHost.StartAsync();
        var options = RpcTestHost.Options(host.Endpoint) with { PartitionSize = 4 };
        await using var client = await ClusterMetaClientTests.CreateFsAsync(host, options);

        var inos = new List<ulong>();
        for (var i = 0; i < 20; i++)
        {
            var result = await client.ExecuteAsync(Create(1, $"f{i:D2}"));
            Assert.True(result.Ok, $"create {i}: {result.Error}");
            inos.Add(result.Inode!.Ino);
        }

        Assert.Equal(20, inos.Distinct().Count());
        var partitions = await host.Copyset.ReadAsync(kv => MetaStore.LoadPartitions(kv, RpcTestHost.Fs.FsId));
        Assert.True(partitions.Count >= 6, $"{partitions.Count} partitions");
        Assert.Equal(Enumerable.Range(1, partitions.Count).Select(i => (uint)i), partitions.Select(p => p.PartitionId));
        Assert.All(partitions.Zip(partitions.Skip(1)), pair => Assert.Equal(pair.First.End + 1, pair.Second.Start));
        Assert.Equal(20, (await NamesAsync(client, 1)).Count);
    }

    [Fact]
    public async Task ConcurrentClients_NeedingPartitions_AllSucceed()
    {
        await using var host = await RpcTestHost.StartAsync();
        var options = RpcTestHost.Options(host.Endpoint) with { PartitionSize = 4 };
        await using var first = await ClusterMetaClientTests.CreateFsAsync(host, options);
        await using var second = new ClusterMetaClient(options, RpcTestHost.Fs, NullLogger.Instance);
        var tasks = Enumerable.Range(0, 40).Select(i => (i % 2 == 0 ? first : second).ExecuteAsync(Create(1, $"c{i:D2}")).AsTask()).ToArray();
        var results = await Task.WhenAll(tasks);
        Assert.All(results, r => Assert.True(r.Ok, r.Error.ToString()));
        Assert.Equal(40, results.Select(r => r.Inode!.Ino).Distinct().Count());
    }

    [Fact]
    public async Task CopysetChunkIdSource_ReservesDisjointRanges()
    {
        await using var host = await RpcTestHost.StartAsync();
        await using var client = await ClusterMetaClientTests.CreateFsAsync(host);
        var source = new CopysetChunkIdSource(client);
        var a = await source.ReserveAsync(1000);
        host.Served.LoseReplies(1); // a retried reservation returns the same range, not a second one
        var b = await source.ReserveAsync(1000);
        var c = await source.ReserveAsync(10);
        Assert.Equal(1000ul, a.Count);
        Assert.Equal(a.Start + 1000, b.Start);
        Assert.Equal(b.Start + 1000, c.Start);
        var pool = new CurveFs.Mount.Data.ChunkIdPool(source, 5);
        Assert.Equal(c.Start + 10, await pool.NextAsync());
    }
}
