using CurveFs.Mount.ObjectStore;
using Xunit;

namespace CurveFs.Tests.ObjectStore;

public sealed class LocalDirObjectStoreConformanceTests : ObjectStoreConformanceTests
{
    private readonly string _root = Directory.CreateTempSubdirectory("curvefs-objstore-").FullName;

    protected override Task<IObjectStore> CreateStoreAsync() => Task.FromResult<IObjectStore>(new LocalDirObjectStore(_root));

    protected override Task CleanupAsync()
    {
        Directory.Delete(_root, recursive: true);
        return Task.CompletedTask;
    }
}

/// <summary>The prefix decorator must keep every guarantee of the store below it.</summary>
public sealed class PrefixedObjectStoreConformanceTests : ObjectStoreConformanceTests
{
    private readonly string _root = Directory.CreateTempSubdirectory("curvefs-objstore-").FullName;

    protected override Task<IObjectStore> CreateStoreAsync() =>
        Task.FromResult<IObjectStore>(new PrefixedObjectStore(new LocalDirObjectStore(_root, durable: false), "tenant/"));

    protected override Task CleanupAsync()
    {
        Directory.Delete(_root, recursive: true);
        return Task.CompletedTask;
    }
}
