using System.Text;
using CurveFs.Mds.Etcd;
using CurveFs.Tests.Infrastructure;

namespace CurveFs.Tests.Mds;

[Collection(MdsCollection.Name)]
[Trait("Category", "Integration")]
public sealed class EtcdKvTests
{
    private static EtcdKv Connect() => new(new EtcdOptions { Endpoints = EtcdServer.Shared.Endpoints });

    [Fact]
    public async Task Txn_StaleModRevision_FailsAndReturnsTheFailureBranchRead()
    {
        using var etcd = Connect();
        var key = EtcdServer.UniquePrefix("txn") + "counter";
        var first = await etcd.TxnAsync("create", [EtcdCompare.Absent(key)], [EtcdOp.Put(key, "1")], [EtcdOp.Get(key)]);
        var seen = await etcd.GetAsync(key);
        await etcd.PutAsync(key, Encoding.UTF8.GetBytes("2"));

        var stale = await etcd.TxnAsync("cas", [EtcdCompare.ModRevision(key, seen!.ModRevision)], [EtcdOp.Put(key, "3")], [EtcdOp.Get(key)]);

        Assert.True(first.Succeeded);
        Assert.False(stale.Succeeded);
        Assert.Equal("2", stale.Reads[0]!.ValueText);
        Assert.Equal("2", (await etcd.GetAsync(key))!.ValueText);
        await etcd.DeletePrefixAsync(key);
    }

    [Fact]
    public async Task Lease_RevokedOrExpired_DeletesItsKeysAndKeepAliveSaysSo()
    {
        using var etcd = Connect();
        var prefix = EtcdServer.UniquePrefix("lease");
        var lease = await etcd.GrantLeaseAsync(TimeSpan.FromSeconds(5));
        await etcd.PutAsync(prefix + "a", [1], lease);

        Assert.NotNull(await etcd.KeepAliveOnceAsync(lease));
        Assert.Equal(lease, (await etcd.GetAsync(prefix + "a"))!.Lease);
        await etcd.RevokeLeaseAsync(lease);
        await etcd.RevokeLeaseAsync(lease); // a second revoke is not an error

        Assert.Null(await etcd.GetAsync(prefix + "a"));
        Assert.Null(await etcd.KeepAliveOnceAsync(lease));
    }

    [Fact]
    public async Task Txn_EtcdNeverAnswers_FailsAfterTheOperationTimeoutNamingEtcd()
    {
        // A socket that accepts connections and never answers: a frozen etcd.
        using var silent = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        silent.Start();
        var endpoint = $"127.0.0.1:{((System.Net.IPEndPoint)silent.LocalEndpoint).Port}";
        using var etcd = new EtcdKv(new EtcdOptions { Endpoints = [endpoint], OperationTimeout = TimeSpan.FromMilliseconds(800) });
        var watch = System.Diagnostics.Stopwatch.StartNew();

        var e = await Assert.ThrowsAsync<EtcdException>(() => etcd.TxnAsync("reserve chunk IDs", [EtcdCompare.Absent("/k")], [EtcdOp.Put("/k", "1")], []));

        Assert.InRange(watch.Elapsed, TimeSpan.FromMilliseconds(700), TimeSpan.FromSeconds(3));
        Assert.True(e.Unreachable);
        Assert.Contains($"etcd at {endpoint} did not answer (transaction: reserve chunk IDs /k) within 0.8 s: is etcd running?", e.Message);
    }

    [Fact]
    public async Task Get_NothingListens_FailsFastNamingEtcdAndTheOperation()
    {
        using var etcd = new EtcdKv(new EtcdOptions { Endpoints = [Rpc.RpcTestHost.ClosedEndpoint()], OperationTimeout = TimeSpan.FromSeconds(1) });
        var watch = System.Diagnostics.Stopwatch.StartNew();

        var e = await Assert.ThrowsAsync<EtcdException>(() => etcd.GetAsync("/curvefs/chunkid"));

        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(3), $"took {watch.Elapsed}");
        Assert.True(e.Unreachable);
        Assert.Contains($"etcd at {etcd.EndpointList}", e.Message);
        Assert.Contains("get /curvefs/chunkid", e.Message);
        Assert.Contains("is etcd running?", e.Message);
    }
}
