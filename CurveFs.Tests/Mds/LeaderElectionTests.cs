using Xunit.Abstractions;
using System.Collections.Concurrent;
using System.Diagnostics;
using CurveFs.Common.Data;
using CurveFs.Common.Rpc;

namespace CurveFs.Tests.Mds;

[Collection(MdsCollection.Name)]
[Trait("Category", "Integration")]
public sealed class LeaderElectionTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Election_ThreeHosts_OneLeadsAndStandbysRedirectToIt()
    {
        await using var cluster = await MdsTestCluster.StartAsync(3, "election");
        var leader = await cluster.WaitForLeaderAsync();
        using var client = cluster.Client();
        // Let every standby read the leader key once.
        await Task.Delay(TimeSpan.FromMilliseconds(800));

        foreach (var host in cluster.Running)
        {
            var status = await client.StatusAsync(host.RpcEndpoint);
            Assert.Equal(host == leader ? MdsRole.Leader : MdsRole.Standby, status.Role);
            Assert.Equal(leader.RpcEndpoint, status.LeaderEndpoint);
            Assert.Equal(leader.Config.Name, status.LeaderName);
            if (host == leader) continue;
            using var rpc = new GrpcClient("MDS", TimeSpan.FromSeconds(2));
            var reply = await rpc.CallAsync(MdsRpc.AllocateChunkIds, host.RpcEndpoint, new AllocateChunkIdsRequest { Count = 1 });
            Assert.Equal(MdsStatus.NotLeader, reply.Status);
            Assert.Equal(leader.RpcEndpoint, reply.LeaderEndpoint);
        }
        Assert.Single(cluster.Running, h => h.IsLeader);
        await client.AllocateChunkIdsAsync(10);
        Assert.Equal(leader.RpcEndpoint, client.Leader);
    }

    [Fact]
    public async Task MdsChunkIdSource_FeedsAClientPool_WithIdsFromTheLeader()
    {
        await using var cluster = await MdsTestCluster.StartAsync(2, "pool");
        await cluster.WaitForLeaderAsync();
        using var client = cluster.Client();
        var pool = new CurveFs.Mount.Data.ChunkIdPool(new MdsChunkIdSource(client), rangeSize: 100);

        var ids = new List<ulong>();
        for (var i = 0; i < 250; i++) ids.Add(await pool.NextAsync());

        Assert.Equal(250, ids.Distinct().Count());
        Assert.Equal(Enumerable.Range(1, 250).Select(i => (ulong)i), ids); // a fresh counter, one bundle: consecutive
    }

    [Fact]
    public async Task Failover_LeaderStopsUnderLoad_AnotherLeadsWithinSecondsAndIdsNeverOverlap()
    {
        await using var cluster = await MdsTestCluster.StartAsync(3, "failover");
        var first = await cluster.WaitForLeaderAsync();
        using var client = cluster.Client();
        var ranges = new ConcurrentBag<ChunkIdRange>();
        using var stop = new CancellationTokenSource();
        var failures = 0;
        var load = Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                try
                {
                    ranges.Add(await client.AllocateChunkIdsAsync(100));
                }
                catch (MdsException)
                {
                    Interlocked.Increment(ref failures);
                }
            }
        })));
        await Task.Delay(500);
        var beforeFailover = ranges.Count;

        var watch = Stopwatch.StartNew();
        await cluster.StopAsync(cluster.Hosts.ToList().IndexOf(first));
        var second = await cluster.WaitForLeaderAsync(TimeSpan.FromSeconds(10));
        var elected = watch.Elapsed;
        var countAtElection = ranges.Count;
        while (ranges.Count < countAtElection + 20 && watch.Elapsed < TimeSpan.FromSeconds(15)) await Task.Delay(20);
        stop.Cancel();
        await load;
        output.WriteLine($"{beforeFailover} ranges before failover; new leader {second.Config.Name} after {elected.TotalMilliseconds:0} ms; {ranges.Count} ranges in all; {failures} failed requests");

        Assert.NotSame(first, second);
        Assert.True(elected < TimeSpan.FromSeconds(5), $"failover took {elected}");
        Assert.True(ranges.Count >= countAtElection + 20, "allocations did not continue on the new leader");
        Assert.Equal(0, failures);
        var sorted = ranges.OrderBy(r => r.Start).ToList();
        for (var i = 1; i < sorted.Count; i++)
            Assert.True(sorted[i - 1].Start + sorted[i - 1].Count <= sorted[i].Start, $"{sorted[i - 1]} overlaps {sorted[i]}");
    }

    [Fact]
    public async Task Failover_LeaderCrashes_AnotherLeadsOnceTheLeaseExpires()
    {
        await using var cluster = await MdsTestCluster.StartAsync(2, "crash");
        var first = await cluster.WaitForLeaderAsync();
        using var client = cluster.Client();
        var before = await client.AllocateChunkIdsAsync(10);

        var watch = Stopwatch.StartNew();
        await cluster.CrashAsync(cluster.Hosts.ToList().IndexOf(first));
        var second = await cluster.WaitForLeaderAsync(TimeSpan.FromSeconds(10));
        var elected = watch.Elapsed;
        var after = await client.AllocateChunkIdsAsync(10);
        output.WriteLine($"new leader {second.Config.Name} {elected.TotalMilliseconds:0} ms after the crash (lease TTL {MdsTestCluster.LeaseTtlSeconds} s)");

        // Not before the crashed leader's lease can have expired, and soon after.
        Assert.True(elected >= TimeSpan.FromSeconds(MdsTestCluster.LeaseTtlSeconds) * 2 / 3, $"elected after {elected}, before the old lease could expire");
        Assert.True(elected < TimeSpan.FromSeconds(MdsTestCluster.LeaseTtlSeconds + 3), $"failover took {elected}");
        Assert.True(after.Start >= before.Start + before.Count);
    }

    [Fact]
    public async Task Restart_AllHostsStopAndStartAgain_IdsContinuePastEverythingHandedOut()
    {
        ulong highest;
        string prefix;
        {
            await using var cluster = await MdsTestCluster.StartAsync(2, "restart");
            await cluster.WaitForLeaderAsync();
            using var client = cluster.Client();
            var last = await client.AllocateChunkIdsAsync(5);
            highest = last.Start + last.Count;
            prefix = cluster.Prefix;
            foreach (var host in cluster.Running.ToList()) await host.DisposeAsync();
            // keep the keys: start a new host on the same prefix
            await using var again = await CurveFs.Mds.Hosting.MdsHost.StartAsync(
                MdsTestCluster.Config("mds1", cluster.EtcdEndpoints, prefix), Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory.Instance);
            using var client2 = new MdsClient(new RetryOptions { Endpoints = [again.RpcEndpoint], RetryBudget = TimeSpan.FromSeconds(15) });
            var next = await client2.AllocateChunkIdsAsync(5);
            Assert.True(next.Start >= highest, $"{next} after {highest} was handed out");
        }
    }
}
