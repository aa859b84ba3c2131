using CurveFs.Common.Meta;
using CurveFs.Common.Rpc;
using CurveFs.Mds.Etcd;
using CurveFs.Mds.Hosting;
using MessagePack;

namespace CurveFs.Tests.Mds;

public sealed class MdsUnitTests
{
    [Fact]
    public void Replies_RoundTrip_WithTheSharedRoutingFields()
    {
        var reply = new FsReply
        {
            Status = MdsStatus.NotLeader,
            LeaderEndpoint = "127.0.0.1:6600",
            Message = "standby",
            Fs = new FsRecord { Info = new FsInfo(3, "x", 1 << 26, 1 << 22, 1 << 30), S3 = new FsS3Settings { Bucket = "b", SecretKey = "s" }, CreatedUnixMs = 5 },
        };

        var back = MessagePackSerializer.Deserialize<FsReply>(MessagePackSerializer.Serialize(reply, MetaCodec.Options), MetaCodec.Options);

        Assert.Equal(MdsStatus.NotLeader, back.Status);
        Assert.Equal(ReplyRouting.NotLeader, back.Routing);
        Assert.Equal("127.0.0.1:6600", back.LeaderEndpoint);
        Assert.Equal("standby", back.Message);
        Assert.Equal(reply.Fs, back.Fs);
    }

    [Fact]
    public void FsS3Settings_ToString_MasksTheSecret()
    {
        var text = new FsS3Settings { Endpoint = "http://h:1", Bucket = "bucket", AccessKey = "AK", SecretKey = "TOPSECRET" }.ToString();

        Assert.DoesNotContain("TOPSECRET", text);
        Assert.Contains("SecretKey = ***", text);
    }

    [Theory]
    [InlineData("", "name '' must be")]
    [InlineData("bad/name", "name 'bad/name' must be")]
    public void Config_InvalidName_IsRefusedNamingTheField(string name, string expected)
    {
        var config = new MdsConfig { Name = name, RpcEndpoint = "127.0.0.1:6600", EtcdEndpoints = ["127.0.0.1:2379"] };

        Assert.Contains(expected, Assert.Throws<InvalidDataException>(() => config.Validate("test.json")).Message);
    }

    [Fact]
    public void Config_Problems_AreRefusedNamingTheField()
    {
        var good = new MdsConfig { Name = "mds1", RpcEndpoint = "127.0.0.1:6600", EtcdEndpoints = ["127.0.0.1:2379"] };
        good.Validate();

        Assert.Contains("wildcard", Assert.Throws<InvalidDataException>(() => (good with { RpcEndpoint = "0.0.0.0:6600" }).Validate()).Message);
        Assert.Contains("etcdEndpoints is empty", Assert.Throws<InvalidDataException>(() => (good with { EtcdEndpoints = [] }).Validate()).Message);
        Assert.Contains("leaseTtlSeconds", Assert.Throws<InvalidDataException>(() => (good with { LeaseTtlSeconds = 1 }).Validate()).Message);
        Assert.Contains("must start and end with '/'", Assert.Throws<InvalidDataException>(() => (good with { KeyPrefix = "curvefs" }).Validate()).Message);
    }

    [Fact]
    public void Config_LoadsFromJson()
    {
        var path = Path.GetTempFileName();
        try
        {
            File.WriteAllText(path, """{ "name": "mds2", "rpcEndpoint": "127.0.0.1:6601", "etcdEndpoints": ["127.0.0.1:2379"], "leaseTtlSeconds": 5 }""");
            var config = MdsConfig.Load(path);
            Assert.Equal("mds2", config.Name);
            Assert.Equal(5, config.LeaseTtlSeconds);
            Assert.Equal(MdsKeys.DefaultPrefix, config.KeyPrefix);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Keys_SortFsIdsNumerically()
    {
        var keys = new MdsKeys("/c/");
        Assert.Equal("/c/fs/id/0000000002", keys.FsById(2));
        Assert.True(string.CompareOrdinal(keys.FsById(9), keys.FsById(10)) < 0);
        Assert.Equal("/c/chunkid", keys.ChunkIdCounter);
        Assert.Equal("/c/mds/leader", keys.Leader);
    }
}

public sealed class MdsCliTests
{
    [Fact]
    public void Run_MissingOrInvalidConfig_ExitsUsage()
    {
        var path = Path.GetTempFileName();
        try
        {
            File.WriteAllText(path, """{ "name": "mds1", "rpcEndpoint": "not an endpoint", "etcdEndpoints": ["127.0.0.1:2379"] }""");
            Assert.Equal(CurveFs.Mds.Cli.MdsCli.ExitUsage, CurveFs.Mds.Cli.MdsCli.Run(["run", "--config", path]));
            Assert.Equal(CurveFs.Mds.Cli.MdsCli.ExitUsage, CurveFs.Mds.Cli.MdsCli.Run(["run", "--config", path + ".missing"]));
            Assert.Equal(CurveFs.Mds.Cli.MdsCli.ExitUsage, CurveFs.Mds.Cli.MdsCli.Run(["run"]));
        }
        finally
        {
            File.Delete(path);
        }
    }
}
