using Xunit.Abstractions;
using System.Diagnostics;
using CurveFs.Common.Rpc;
using CurveFs.Tests.Infrastructure;

namespace CurveFs.Tests.Mds;

/// <summary>An MDS whose etcd goes away: a private etcd, so the shared one stays up for the other tests.</summary>
[Collection(MdsCollection.Name)]
[Trait("Category", "Integration")]
public sealed class EtcdOutageTests(ITestOutputHelper output)
{
    [Fact]
    public async Task EtcdDown_RequestsAnswerUnavailableNamingEtcdInBoundedTime_AndRecoverWhenItIsBack()
    {
        await using var etcd = await EtcdServer.StartPrivateAsync();
        await using var cluster = await MdsTestCluster.StartAsync(2, "outage", etcd.Endpoints);
        var leader = await cluster.WaitForLeaderAsync();
        using var client = cluster.Client(budget: TimeSpan.FromSeconds(3));
        var before = await client.AllocateChunkIdsAsync(2000); // past the leader's first bundle: the next needs etcd
        await client.ListFsAsync();

        await etcd.StopAsync();
        var watch = Stopwatch.StartNew();
        using (var rpc = new GrpcClient(MdsClient.ServerKind, TimeSpan.FromSeconds(5)))
        {
            // One call straight to the leader: answered (not hung) within the MDS's request bound.
            var direct = await rpc.CallAsync(MdsRpc.ListFs, leader.RpcEndpoint, new ListFsRequest());
            output.WriteLine($"with etcd down: the leader answered ListFs {direct.Status} after {watch.ElapsedMilliseconds} ms: {direct.Message}");
            Assert.Equal(MdsStatus.Unavailable, direct.Status);
            Assert.Contains($"etcd at {etcd.Endpoints[0]}", direct.Message);
            Assert.True(watch.Elapsed < TimeSpan.FromSeconds(2.5), $"the leader answered after {watch.Elapsed}");
        }
        watch.Restart();
        var list = await Assert.ThrowsAsync<MdsException>(() => client.ListFsAsync());
        var listTime = watch.Elapsed;
        watch.Restart();
        var allocate = await Assert.ThrowsAsync<MdsException>(() => client.AllocateChunkIdsAsync(2000));
        var allocateTime = watch.Elapsed;
        output.WriteLine($"with etcd down: ListFs failed after {listTime.TotalMilliseconds:0} ms: {list.Message}");
        output.WriteLine($"AllocateChunkIds failed after {allocateTime.TotalMilliseconds:0} ms: {allocate.Message}");

        Assert.Equal(MdsStatus.Unavailable, list.Status);
        Assert.Contains($"etcd at {etcd.Endpoints[0]}", list.Message);
        Assert.Contains($"etcd at {etcd.Endpoints[0]}", allocate.Message);
        Assert.True(listTime < TimeSpan.FromSeconds(6), $"ListFs took {listTime}");
        Assert.True(allocateTime < TimeSpan.FromSeconds(6), $"AllocateChunkIds took {allocateTime}");

        // The leader cannot renew its lease: it stops serving within two thirds of the TTL.
        var stepDown = Stopwatch.StartNew();
        while (cluster.Running.Any(h => h.IsLeader) && stepDown.Elapsed < TimeSpan.FromSeconds(10)) await Task.Delay(20);
        output.WriteLine($"no leader {stepDown.ElapsedMilliseconds} ms after the failed requests");
        Assert.DoesNotContain(cluster.Running, h => h.IsLeader);
        var status = await client.StatusAsync(leader.RpcEndpoint);
        Assert.Equal(MdsRole.Standby, status.Role);
        Assert.Contains("etcd", status.EtcdError);

        await etcd.StartAsync();
        var recovery = Stopwatch.StartNew();
        using var patient = cluster.Client(budget: TimeSpan.FromSeconds(20));
        var after = await patient.AllocateChunkIdsAsync(10);
        var filesystems = await patient.ListFsAsync();
        output.WriteLine($"served again {recovery.ElapsedMilliseconds} ms after etcd restarted (leader {cluster.Running.Single(h => h.IsLeader).Config.Name})");
        Assert.Empty(filesystems);
        Assert.True(after.Start >= before.Start + before.Count, $"{after} after {before}");
        Assert.True(recovery.Elapsed < TimeSpan.FromSeconds(15), $"recovery took {recovery.Elapsed}");
    }
}
