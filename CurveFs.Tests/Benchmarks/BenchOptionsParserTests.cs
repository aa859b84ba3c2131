using CurveFs.Benchmarks.Cli;

namespace CurveFs.Tests.Benchmarks;

public class BenchOptionsParserTests
{
    private static readonly Func<string, string?> NoEnvironment = _ => null;

    private static BenchCommand Parse(params string[] args) => BenchOptionsParser.Parse(args, NoEnvironment);

    [Fact]
    public void Parse_AllWithoutOptions_RunsTheFullDefaults()
    {
        var command = Parse("all");

        var options = command.Options;
        Assert.Equal("all", command.Name);
        Assert.Equal(Workloads.All, options.Workloads);
        Assert.Equal(BenchOptions.AllTargets, options.Targets);
        Assert.Equal(1L << 30, options.SizeBytes);
        Assert.Equal(10_000, options.Files);
        Assert.Equal([1, 4], options.Threads);
        Assert.Equal(20, options.RandomReadSeconds);
        Assert.Equal(4L << 20, options.ObjectBytes);
        Assert.Null(options.S3.Endpoint);
        Assert.Equal("S3RVER", options.S3.AccessKey);
        Assert.False(options.Quick);
    }

    [Fact]
    public void Parse_Quick_SetsThePresetAndExplicitOptionsWinInAnyOrder()
    {
        var before = Parse("all", "--files", "2000", "--quick").Options;
        var after = Parse("all", "--quick", "--files", "2000").Options;

        foreach (var options in new[] { before, after })
        {
            Assert.True(options.Quick);
            Assert.Equal(2000, options.Files);
            Assert.Equal(64L << 20, options.SizeBytes);
            Assert.Equal(3, options.RandomReadSeconds);
            Assert.Equal("/usr/include/linux", options.TarSource);
        }
    }

    [Fact]
    public void Parse_SizesThreadsAndTargets_AreParsed()
    {
        var options = Parse("fio", "--size", "4G", "--seconds", "5", "--threads", "1,2,8", "--file-size", "0",
            "--targets", "cluster, local,s3raw", "--s3-inflight", "8", "--object-size", "1M").Options;

        Assert.Equal(Workloads.Fio, options.Workloads);
        Assert.Equal(4L << 30, options.SizeBytes);
        Assert.Equal(5, options.RandomReadSeconds);
        Assert.Equal([1, 2, 8], options.Threads);
        Assert.Equal(0, options.SmallFileBytes);
        Assert.Equal([TargetKind.Local, TargetKind.S3Raw, TargetKind.Cluster], options.Targets); // report order
        Assert.Equal(8, options.S3InFlight);
        Assert.Equal(1L << 20, options.ObjectBytes);
    }

    [Fact]
    public void Parse_S3Settings_ComeFromOptionsOrTheEnvironment()
    {
        var environment = new Dictionary<string, string>
        {
            [BenchOptionsParser.EndpointVariable] = "http://minio:9000/",
            [BenchOptionsParser.AccessKeyVariable] = "minioadmin",
            [BenchOptionsParser.SecretKeyVariable] = "miniosecret",
        };
        var fromEnvironment = BenchOptionsParser.Parse(["s3"], name => environment.GetValueOrDefault(name)).Options;
        var fromOptions = Parse("s3", "--s3-endpoint", "http://10.0.0.5:9000", "--s3-bucket", "perf", "--s3-access-key", "a", "--s3-secret-key", "s3cr3t-value").Options;

        Assert.Equal("http://minio:9000", fromEnvironment.S3.Endpoint);
        Assert.Equal("minioadmin", fromEnvironment.S3.AccessKey);
        Assert.Equal("curvefs-bench", fromEnvironment.S3.Bucket);
        Assert.Equal([TargetKind.S3Raw], fromEnvironment.Targets);
        Assert.Equal("http://10.0.0.5:9000", fromOptions.S3.Endpoint);
        Assert.Equal("perf", fromOptions.S3.Bucket);
        Assert.Equal("s3cr3t-value", fromOptions.S3.SecretKey);
        Assert.DoesNotContain("s3cr3t-value", fromOptions.S3.ToString());
    }

    [Fact]
    public void Parse_MetadataWithSkipCluster_IsTheSmallFileBenchmarkWithoutTheCluster()
    {
        var options = Parse("metadata", "--files", "5000", "--threads", "4", "--skip-cluster").Options;

        Assert.Equal(Workloads.SmallFiles, options.Workloads);
        Assert.DoesNotContain(TargetKind.Cluster, options.Targets);
        Assert.Equal([4], options.Threads);
    }

    [Fact]
    public void Parse_MicroFiltersAndPassThroughArguments_AreKept()
    {
        var options = Parse("micro", "--filter", "*SliceMap*", "--filter", "*MetaKeys*", "--", "--job", "short").Options;

        Assert.Equal(Workloads.Micro, options.Workloads);
        Assert.Equal(["*SliceMap*", "*MetaKeys*"], options.MicroFilters);
        Assert.Equal(["--job", "short"], options.MicroExtraArgs);
    }

    [Fact]
    public void Parse_AllWithSkipMicro_RunsOnlyTheEndToEndWorkloads()
    {
        Assert.Equal(Workloads.EndToEnd, Parse("all", "--skip-micro").Options.Workloads);
    }

    [Theory]
    [InlineData("bogus")]
    [InlineData("all", "--targets", "local,nfs")]
    [InlineData("all", "--size", "12X")]
    [InlineData("all", "--files", "0")]
    [InlineData("all", "--files")]
    [InlineData("all", "--files", "--quick")]
    [InlineData("all", "--threads", "1,-2")]
    [InlineData("all", "--wat")]
    [InlineData("all", "--s3-endpoint", "minio:9000", "--s3-access-key", "a", "--s3-secret-key", "b")]
    [InlineData("all", "--s3-endpoint", "http://minio:9000")]
    [InlineData("all", "--s3-bucket", "Not_A_Bucket")]
    [InlineData("fio", "--targets", "cluster", "--skip-cluster")]
    public void Parse_BadCommandLine_ThrowsUsageException(params string[] args)
    {
        var error = Assert.Throws<UsageException>(() => Parse(args));
        Assert.False(string.IsNullOrWhiteSpace(error.Message));
    }
}
