using Xunit;

namespace CurveFs.Tests.Infrastructure;

/// <summary>
/// A test that needs a real S3 service: skipped unless CURVEFS_TEST_S3_ENDPOINT is set, because s3rver
/// accepts any secret key (it does not verify SigV4 signatures).
/// </summary>
public sealed class ExternalS3FactAttribute : FactAttribute
{
    public ExternalS3FactAttribute()
    {
        if (string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable(S3rverServer.EndpointVariable)))
            Skip = $"s3rver does not verify signatures; set {S3rverServer.EndpointVariable} to run this against MinIO";
    }
}
