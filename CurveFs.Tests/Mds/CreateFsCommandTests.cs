using CurveFs.Mount.Cli;
using CurveFs.Tests.Infrastructure;

namespace CurveFs.Tests.Mds;

/// <summary>curvefs create-fs/list-fs/delete-fs against in-process MDS hosts and s3rver.</summary>
[Collection(MdsCollection.Name)]
[Trait("Category", "Integration")]
public sealed class CreateFsCommandTests
{
    private static (int Code, string Output, string Error) Run(Func<TextWriter, TextWriter, int> command)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var code = command(output, error);
        return (code, output.ToString(), error.ToString());
    }

    private static MdsCreateFsRequest Request(string name, string mds, string endpoint, string bucket, string? accessKey = null) =>
        new(name, mds, endpoint, bucket, accessKey ?? S3rverServer.Shared.AccessKey, S3rverServer.Shared.SecretKey, "us-east-1", "", "64M", "4M", null);

    [Fact]
    public async Task CreateFs_GoodBucket_CreatesAndListsAndDeletes()
    {
        var s3 = S3rverServer.Shared;
        var bucket = await s3.GetSharedBucketAsync();
        await using var cluster = await MdsTestCluster.StartAsync(2, "cli");
        await cluster.WaitForLeaderAsync();
        await using var metaServer = await cluster.AddMetaServerAsync();
        var mds = string.Join(",", cluster.Endpoints);

        var created = Run((o, e) => MdsFsCommands.CreateFs(Request("web", mds, s3.Endpoint, bucket) with { KeyPrefix = "web" }, o, e));
        var twice = Run((o, e) => MdsFsCommands.CreateFs(Request("web", mds, s3.Endpoint, bucket), o, e));
        var listed = Run((o, e) => MdsFsCommands.ListFs(mds, o, e));
        var deleted = Run((o, e) => MdsFsCommands.DeleteFs("web", mds, o, e));
        var missing = Run((o, e) => MdsFsCommands.DeleteFs("web", mds, o, e));

        Assert.True(created.Code == 0, created.Error);
        Assert.Contains("created filesystem web (fs 1", created.Output);
        Assert.Equal(1, twice.Code);
        Assert.Contains("exists already (fs 1)", twice.Error);
        Assert.Equal(0, listed.Code);
        Assert.Contains($"web                      64M      4M       s3://{bucket}/web/ at {s3.Endpoint}", listed.Output);
        Assert.Equal(0, deleted.Code);
        Assert.Equal(1, missing.Code);
        Assert.Contains("no filesystem is called 'web'", missing.Error);
    }

    [Fact]
    public async Task CreateFs_BadS3Settings_RefusesNamingTheProblemAndCreatesNothing()
    {
        var s3 = S3rverServer.Shared;
        var bucket = await s3.GetSharedBucketAsync();
        await using var cluster = await MdsTestCluster.StartAsync(1, "cli-bad");
        await cluster.WaitForLeaderAsync();
        var mds = cluster.Endpoints[0];
        var closed = "http://" + Rpc.RpcTestHost.ClosedEndpoint();

        var wrongEndpoint = Run((o, e) => MdsFsCommands.CreateFs(Request("a", mds, closed, bucket), o, e));
        var noBucket = Run((o, e) => MdsFsCommands.CreateFs(Request("b", mds, s3.Endpoint, S3rverServer.UniqueBucketName("missing")), o, e));
        var badKey = Run((o, e) => MdsFsCommands.CreateFs(Request("c", mds, s3.Endpoint, bucket, accessKey: "NOSUCHKEY"), o, e));
        var listed = Run((o, e) => MdsFsCommands.ListFs(mds, o, e));

        Assert.Equal(1, wrongEndpoint.Code);
        Assert.Contains($"S3 endpoint {closed} refused the connection", wrongEndpoint.Error);
        Assert.Contains("check --s3-endpoint", wrongEndpoint.Error);
        Assert.Equal(1, noBucket.Code);
        Assert.Contains("does not exist", noBucket.Error);
        Assert.Contains("check --bucket", noBucket.Error);
        Assert.Equal(1, badKey.Code);
        Assert.Contains("access key 'NOSUCHKEY'", badKey.Error);
        Assert.Contains("check --access-key", badKey.Error);
        Assert.All(new[] { wrongEndpoint, noBucket, badKey }, r => Assert.Contains("nothing was created", r.Error));
        Assert.Single(listed.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries)); // the header only
    }

    [Fact]
    public async Task CreateFs_NoMdsAnswers_FailsWithinTheBudgetNamingTheEndpoints()
    {
        var s3 = S3rverServer.Shared;
        var bucket = await s3.GetSharedBucketAsync();
        var closed = Rpc.RpcTestHost.ClosedEndpoint();
        var budget = MdsFsCommands.RetryBudget;
        MdsFsCommands.RetryBudget = TimeSpan.FromSeconds(2);
        try
        {
            var result = Run((o, e) => MdsFsCommands.CreateFs(Request("x", closed, s3.Endpoint, bucket), o, e));
            Assert.Equal(1, result.Code);
            Assert.Contains($"CreateFs to MDS {closed}: connection refused (is the MDS running?)", result.Error);
        }
        finally
        {
            MdsFsCommands.RetryBudget = budget;
        }
    }
}
