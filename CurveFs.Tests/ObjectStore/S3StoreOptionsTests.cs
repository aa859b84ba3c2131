using CurveFs.Mount.ObjectStore;
using Xunit;

namespace CurveFs.Tests.ObjectStore;

public sealed class S3StoreOptionsTests
{
    [Fact]
    public void ToString_Always_HidesTheSecretKey()
    {
        var options = new S3StoreOptions("http://127.0.0.1:9000", "bucket", "access", "very-secret");

        string text = options.ToString();

        Assert.DoesNotContain("very-secret", text);
        Assert.Contains("access", text);
        Assert.Contains("http://127.0.0.1:9000", text);
    }

    [Theory]
    [InlineData("127.0.0.1:9000")]
    [InlineData("ftp://host")]
    [InlineData("")]
    public void Constructor_EndpointNotAnHttpUrl_ThrowsNamingIt(string endpoint)
    {
        var e = Assert.Throws<ArgumentException>(() => new S3ObjectStore(new S3StoreOptions(endpoint, "bucket", "a", "b")));

        Assert.Contains("--endpoint", e.Message);
    }

    [Fact]
    public async Task Description_NamesBucketPrefixAndEndpoint()
    {
        await using var store = new S3ObjectStore(new S3StoreOptions("http://127.0.0.1:9000", "bucket", "a", "b") { KeyPrefix = "fs/" });

        Assert.Equal("s3://bucket/fs/ at http://127.0.0.1:9000", store.Description);
    }
}
