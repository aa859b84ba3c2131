using CurveFs.Mount.ObjectStore;
using CurveFs.Tests.Infrastructure;
using Xunit;

namespace CurveFs.Tests.ObjectStore;

/// <summary>The conformance suite against s3rver, or the endpoint in CURVEFS_TEST_S3_ENDPOINT. Each test
/// works under its own key prefix in the run's shared bucket and deletes what it wrote.</summary>
[Collection(S3Collection.Name)]
[Trait("Category", "Integration")]
public sealed class S3ObjectStoreConformanceTests : ObjectStoreConformanceTests
{
    protected override bool SortsKeysByBytes => S3rverServer.Shared.IsExternal;

    protected override async Task<IObjectStore> CreateStoreAsync()
    {
        S3rverServer server = S3rverServer.Shared;
        string bucket = await server.GetSharedBucketAsync();
        return new S3ObjectStore(server.OptionsFor(bucket) with { KeyPrefix = $"conformance-{Guid.NewGuid():N}/" });
    }

    protected override async Task CleanupAsync()
    {
        List<string> left = await ListKeysAsync("");
        await Store.DeleteManyAsync(left);
    }
}
