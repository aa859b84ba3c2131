using CurveFs.Common.Meta;
using CurveFs.Common.Rpc;

namespace CurveFs.Tests.Mds;

[Collection(MdsCollection.Name)]
[Trait("Category", "Integration")]
public sealed class MdsFsRpcTests
{
    private static readonly FsS3Settings S3 = new() { Endpoint = "http://127.0.0.1:9000", Bucket = "bucket-a", AccessKey = "AK", SecretKey = "SECRET", KeyPrefix = "fs/" };

    [Fact]
    public async Task Filesystems_CreateGetListDelete_ThroughTheRpc()
    {
        await using var cluster = await MdsTestCluster.StartAsync(2, "fs");
        await cluster.WaitForLeaderAsync();
        await using var metaServer = await cluster.AddMetaServerAsync();
        using var client = cluster.Client();

        var a = await client.CreateFsAsync("alpha", 64 << 20, 4 << 20, 0, S3);
        var b = await client.CreateFsAsync("beta", 16 << 20, 1 << 20, 1UL << 40, S3 with { Bucket = "bucket-b" });
        // Repeating a creation with the same settings is answered with the same filesystem (a retried
        // create-fs); other settings under a taken name are refused.
        Assert.Equal(a.Info, (await client.CreateFsAsync("alpha", 64 << 20, 4 << 20, 0, S3)).Info);
        var again = await Assert.ThrowsAsync<MdsException>(() => client.CreateFsAsync("alpha", 64 << 20, 4 << 20, 0, S3 with { Bucket = "bucket-b" }));
        var got = await client.GetFsAsync("beta");
        var list = await client.ListFsAsync();

        Assert.Equal(1u, a.Info.FsId);
        Assert.Equal(2u, b.Info.FsId);
        Assert.Equal(FsInfo.DefaultCapacity, a.Info.CapacityBytes);
        Assert.Equal(MdsStatus.AlreadyExists, again.Status);
        Assert.Contains("fs 1", again.Message);
        Assert.Equal(b.Info, got!.Info);
        Assert.Equal("SECRET", got.S3.SecretKey);
        Assert.Equal("bucket-b", got.S3.Bucket);
        Assert.Equal(["alpha", "beta"], list.Select(f => f.Info.Name));
        Assert.All(list, f => Assert.Equal("", f.S3.SecretKey));

        var deleted = await client.DeleteFsAsync("alpha");
        Assert.Equal(1u, deleted.Info.FsId);
        Assert.Null(await client.GetFsAsync("alpha"));
        Assert.Equal(MdsStatus.NotFound, (await Assert.ThrowsAsync<MdsException>(() => client.DeleteFsAsync("alpha"))).Status);
        // IDs are never reused, even after a delete.
        Assert.Equal(3u, (await client.CreateFsAsync("alpha", 64 << 20, 4 << 20, 0, S3)).Info.FsId);
    }

    [Fact]
    public async Task CreateFs_InvalidSettings_BadRequestNamingTheProblem()
    {
        await using var cluster = await MdsTestCluster.StartAsync(1, "fs-bad");
        await cluster.WaitForLeaderAsync();
        using var client = cluster.Client();

        var badName = await Assert.ThrowsAsync<MdsException>(() => client.CreateFsAsync("a/b", 64 << 20, 4 << 20, 0, S3));
        var badSizes = await Assert.ThrowsAsync<MdsException>(() => client.CreateFsAsync("x", 4 << 20, 64 << 20, 0, S3));
        var badS3 = await Assert.ThrowsAsync<MdsException>(() => client.CreateFsAsync("x", 64 << 20, 4 << 20, 0, S3 with { Endpoint = "nonsense" }));

        Assert.Equal(MdsStatus.BadRequest, badName.Status);
        Assert.Contains("invalid filesystem name 'a/b'", badName.Message);
        Assert.Contains("block <= chunk", badSizes.Message);
        Assert.Contains("S3 endpoint 'nonsense'", badS3.Message);
        Assert.Empty(await client.ListFsAsync());
    }

    [Fact]
    public async Task CreateFs_ManyClientsRaceForNames_EachNameOnceAndIdsUnique()
    {
        await using var cluster = await MdsTestCluster.StartAsync(1, "fs-race");
        await cluster.WaitForLeaderAsync();
        using var client = cluster.Client();
        var host = cluster.Running.Single();

        // Go around the RPC to race the transactions themselves: two stores on one keyspace.
        var results = await Task.WhenAll(Enumerable.Range(0, 16).Select(i =>
            host.Filesystems.CreateAsync(new CurveFs.Mds.FsManager.FsSpec($"fs{i % 8}", 64 << 20, 4 << 20, 0, S3))));

        Assert.Equal(8, results.Count(r => r.Created));
        var list = await client.ListFsAsync();
        Assert.Equal(8, list.Count);
        Assert.Equal(8, list.Select(f => f.Info.FsId).Distinct().Count());
    }
}
