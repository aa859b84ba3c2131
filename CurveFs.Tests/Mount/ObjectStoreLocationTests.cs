using CurveFs.Mount.ObjectStore;

namespace CurveFs.Tests.Mount;

public class ObjectStoreLocationTests
{
    [Fact]
    public void Local_PathsAreAbsoluteDirectories()
    {
        Assert.Equal("/var/data", ObjectStoreLocation.Parse("local:/var/data").Directory);
        Assert.Equal("/var/data", ObjectStoreLocation.Parse("/var/data/").Directory?.TrimEnd('/'));
        Assert.Throws<ArgumentException>(() => ObjectStoreLocation.Parse("local:relative/path"));
    }

    [Fact]
    public void S3_TakesBucketPrefixEndpointAndKeys()
    {
        var location = ObjectStoreLocation.Parse("s3://bucket/some/prefix?endpoint=http://127.0.0.1:9000&access_key=A&secret_key=S&region=eu-west-1");
        Assert.Null(location.Directory);
        Assert.Equal("bucket", location.S3!.Bucket);
        Assert.Equal("http://127.0.0.1:9000", location.S3.ServiceUrl);
        Assert.Equal("some/prefix/", location.S3.KeyPrefix);
        Assert.Equal("eu-west-1", location.S3.Region);
        Assert.Equal(("A", "S"), (location.S3.AccessKey, location.S3.SecretKey));
    }

    [Fact]
    public void S3_WithoutEndpoint_ExplainsWhatIsMissing()
    {
        if (Environment.GetEnvironmentVariable("AWS_ENDPOINT_URL") is not null) return;
        var error = Assert.Throws<ArgumentException>(() => ObjectStoreLocation.Parse("s3://bucket"));
        Assert.Contains("endpoint", error.Message);
        Assert.Throws<ArgumentException>(() => ObjectStoreLocation.Parse("ftp://x"));
    }
}
