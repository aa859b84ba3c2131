using CurveFs.Common.Meta;
using CurveFs.Mds.Etcd;
using CurveFs.Mds.FsManager;
using CurveFs.Tests.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;

namespace CurveFs.Tests.Mds;

/// <summary>The MDS gives every filesystem it creates a UUID of its own, also one created again under a deleted one's name.</summary>
[Collection(MdsCollection.Name)]
[Trait("Category", "Integration")]
public sealed class FsStoreUuidTests
{
    [Fact]
    public async Task Create_DeleteAndCreateAgain_NewUuidEachTime()
    {
        using var etcd = new EtcdKv(new EtcdOptions { Endpoints = EtcdServer.Shared.Endpoints });
        var prefix = EtcdServer.UniquePrefix("fsuuid");
        var store = new FsStore(etcd, new MdsKeys(prefix), NullLogger.Instance);
        var spec = new FsSpec("web", FsInfo.DefaultChunkSize, FsInfo.DefaultBlockSize, 0, new FsS3Settings { Endpoint = "http://127.0.0.1:9000", Bucket = "bucket-a" });

        var (first, created) = await store.CreateAsync(spec);
        var (repeat, createdAgain) = await store.CreateAsync(spec);
        await store.DeleteAsync("web");
        var (second, _) = await store.CreateAsync(spec);

        Assert.True(created);
        Assert.False(createdAgain);
        Assert.Matches("^[0-9a-f]{32}$", first.Info.Uuid);
        Assert.Equal(first.Info.Uuid, repeat.Info.Uuid); // read back from etcd's JSON
        Assert.Equal(first.Info.Name, second.Info.Name);
        Assert.NotEqual(first.Info.Uuid, second.Info.Uuid);
        await etcd.DeletePrefixAsync(prefix);
    }
}
