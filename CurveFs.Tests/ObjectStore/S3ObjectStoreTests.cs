using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using CurveFs.Mount.ObjectStore;
using CurveFs.Tests.Infrastructure;
using Microsoft.Extensions.Logging;
using Xunit;

namespace CurveFs.Tests.ObjectStore;

/// <summary>What only the S3 store promises: errors that say what is wrong and what to do, in bounded time.</summary>
[Collection(S3Collection.Name)]
[Trait("Category", "Integration")]
public sealed class S3ObjectStoreTests
{
    private static readonly TimeSpan FailFast = TimeSpan.FromSeconds(15);
    private readonly S3rverServer _server = S3rverServer.Shared;

    [Fact]
    public async Task Put_MissingBucket_ThrowsNamingBucketAndEndpoint()
    {
        string bucket = S3rverServer.UniqueBucketName("missing");
        await using var store = new S3ObjectStore(_server.OptionsFor(bucket));

        var e = await AssertFailsFastAsync(() => store.PutAsync("k", new byte[1]));

        Assert.Contains($"bucket '{bucket}' does not exist at {_server.Endpoint}", e.Message);
        Assert.Contains("create it or check --bucket", e.Message);
        Assert.Contains("NoSuchBucket", e.Message);
        Assert.Contains("PUT of 'k'", e.Message);
    }

    [Fact]
    public async Task ReadsAndLists_MissingBucket_ThrowRatherThanLookEmpty()
    {
        string bucket = S3rverServer.UniqueBucketName("missing");
        await using var store = new S3ObjectStore(_server.OptionsFor(bucket));

        Assert.Contains("does not exist", (await AssertFailsFastAsync(() => store.HeadAsync("k"))).Message);
        Assert.Contains("does not exist", (await AssertFailsFastAsync(() => store.GetAsync("k", 0, new byte[10]))).Message);
        Assert.Contains("does not exist", (await AssertFailsFastAsync(async () =>
        {
            await foreach (ObjectInfo _ in store.ListAsync("")) { }
        })).Message);
    }

    [Fact]
    public async Task Put_UnknownAccessKey_ThrowsNamingAccessKey()
    {
        string bucket = await _server.GetSharedBucketAsync();
        await using var store = new S3ObjectStore(_server.OptionsFor(bucket) with { AccessKey = "NOSUCHKEY" });

        var e = await AssertFailsFastAsync(() => store.PutAsync("k", new byte[1]));

        Assert.Contains("NOSUCHKEY", e.Message);
        Assert.Contains("--access-key", e.Message);
        Assert.Contains(_server.Endpoint, e.Message);
    }

    [Fact]
    public async Task Head_UnknownAccessKey_ThrowsNamingCredentials()
    {
        string bucket = await _server.GetSharedBucketAsync();
        await using var store = new S3ObjectStore(_server.OptionsFor(bucket) with { AccessKey = "NOSUCHKEY" });

        // A HEAD answer has no body, so only the status tells what went wrong.
        var e = await AssertFailsFastAsync(() => store.HeadAsync("k"));

        Assert.Contains("NOSUCHKEY", e.Message);
        Assert.Contains("--access-key", e.Message);
    }

    [ExternalS3Fact]
    public async Task PutAndHead_WrongSecretKey_ThrowNamingSecretKey()
    {
        string bucket = await _server.GetSharedBucketAsync();
        await using var store = new S3ObjectStore(_server.OptionsFor(bucket) with { SecretKey = "wrong-secret" });

        var put = await AssertFailsFastAsync(() => store.PutAsync("k", new byte[1]));
        Assert.Contains("SignatureDoesNotMatch", put.Message);
        Assert.Contains("--secret-key", put.Message);
        // A HEAD answer has no body, so only the status tells what went wrong.
        var head = await AssertFailsFastAsync(() => store.HeadAsync("k"));
        Assert.Contains("--secret-key", head.Message);
        Assert.DoesNotContain("wrong-secret", put.Message + head.Message);
    }

    [Fact]
    public async Task Put_NothingListening_FailsFastNamingEndpoint()
    {
        string endpoint = $"http://127.0.0.1:{FreePort()}";
        await using var store = new S3ObjectStore(new S3StoreOptions(endpoint, "bucket", "a", "b"));

        var e = await AssertFailsFastAsync(() => store.PutAsync("k", new byte[1]));

        Assert.Contains($"S3 endpoint {endpoint} refused the connection", e.Message);
        Assert.Contains("check --endpoint", e.Message);
        Assert.Contains("3 attempts", e.Message);
    }

    [Fact]
    public async Task Get_EndpointThatNeverAnswers_TimesOutWithinTotalTime()
    {
        using var silent = new TcpListener(IPAddress.Loopback, 0);
        silent.Start(); // accepts connections (the kernel does) but never answers a request
        string endpoint = $"http://127.0.0.1:{((IPEndPoint)silent.LocalEndpoint).Port}";
        var options = new S3StoreOptions(endpoint, "bucket", "a", "b")
        {
            RequestTimeout = TimeSpan.FromSeconds(1),
            MaxTotalTime = TimeSpan.FromSeconds(4),
        };
        await using var store = new S3ObjectStore(options);

        var stopwatch = Stopwatch.StartNew();
        var e = await Assert.ThrowsAsync<ObjectStoreException>(() => store.GetAsync("k", 0, new byte[10]));

        Assert.InRange(stopwatch.Elapsed, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(8));
        Assert.Contains($"S3 endpoint {endpoint} did not answer GET of 'k' in bucket 'bucket' within 1 s", e.Message);
    }

    [Fact]
    public async Task Get_ServerFailsTwiceThenAnswers_RetriesLogsAndSucceeds()
    {
        string bucket = await _server.GetSharedBucketAsync();
        S3StoreOptions options = _server.OptionsFor(bucket) with { KeyPrefix = $"flaky-{Guid.NewGuid():N}/" };
        await using var direct = new S3ObjectStore(options);
        await direct.PutAsync("k", new byte[] { 1, 2, 3 });
        await using var proxy = new FlakyHttpProxy(_server.Endpoint, failures: 2);
        var logger = new ListLogger();
        await using var flaky = new S3ObjectStore(options with { ServiceUrl = proxy.Endpoint }, logger);

        byte[] buffer = new byte[3];
        Assert.Equal(3, await flaky.GetAsync("k", 0, buffer));

        Assert.Equal([1, 2, 3], buffer);
        Assert.Equal(3, proxy.Connections);
        Assert.Equal(2, logger.Lines.Count);
        Assert.Contains($"S3 GET of 'k' at {proxy.Endpoint} failed with InternalError (HTTP 500)", logger.Lines[0]);
        await direct.DeleteAsync("k");
    }

    [Fact]
    public async Task Get_ServerKeepsFailing_GivesUpAfterMaxRetriesNamingTheError()
    {
        await using var proxy = new FlakyHttpProxy(_server.Endpoint, failures: int.MaxValue);
        S3StoreOptions options = _server.OptionsFor("any-bucket") with { ServiceUrl = proxy.Endpoint, MaxRetries = 2 };
        await using var store = new S3ObjectStore(options);

        var e = await AssertFailsFastAsync(() => store.GetAsync("k", 0, new byte[3]));

        Assert.Contains($"S3 GET of 'k' in bucket 'any-bucket' at {proxy.Endpoint} kept failing with InternalError (HTTP 500) (3 attempts", e.Message);
        Assert.Equal(3, proxy.Connections);
    }

    [Fact]
    public async Task CheckAccess_GoodBucket_SucceedsAndLeavesNothing()
    {
        string bucket = await _server.CreateBucketAsync("check-access");
        await using var store = new S3ObjectStore(_server.OptionsFor(bucket));

        await store.CheckAccessAsync();

        await foreach (ObjectInfo info in store.ListAsync("")) Assert.Fail($"probe object {info.Key} left behind");
    }

    [Fact]
    public async Task CheckAccess_MissingBucketOrWrongCredentials_ExplainsWhich()
    {
        string bucket = await _server.GetSharedBucketAsync();
        await using var noBucket = new S3ObjectStore(_server.OptionsFor(S3rverServer.UniqueBucketName("missing")));
        await using var badKey = new S3ObjectStore(_server.OptionsFor(bucket) with { AccessKey = "NOSUCHKEY" });

        Assert.Contains("does not exist", (await AssertFailsFastAsync(() => noBucket.CheckAccessAsync())).Message);
        Assert.Contains("--access-key", (await AssertFailsFastAsync(() => badKey.CheckAccessAsync())).Message);
    }

    [Fact]
    public async Task EnsureBucket_NewThenAgain_CreatesOnceAndSucceeds()
    {
        string bucket = S3rverServer.UniqueBucketName("ensure");
        await using var store = new S3ObjectStore(_server.OptionsFor(bucket));

        await store.EnsureBucketAsync();
        await store.EnsureBucketAsync();

        await store.PutAsync("k", new byte[] { 42 });
        Assert.Equal(1, (await store.HeadAsync("k"))!.Value.Size);
        await store.DeleteAsync("k");
    }

    [Fact]
    public async Task List_KeyPrefix_IsStrippedAndIsolatesStores()
    {
        string bucket = await _server.GetSharedBucketAsync();
        string root = $"isolation-{Guid.NewGuid():N}/";
        await using var outer = new S3ObjectStore(_server.OptionsFor(bucket) with { KeyPrefix = root });
        await using var inner = new S3ObjectStore(_server.OptionsFor(bucket) with { KeyPrefix = root + "inner/" });

        await inner.PutAsync("x", new byte[1]);
        await outer.PutAsync("y", new byte[1]);

        var innerKeys = new List<string>();
        await foreach (ObjectInfo info in inner.ListAsync("")) innerKeys.Add(info.Key);
        var outerKeys = new List<string>();
        await foreach (ObjectInfo info in outer.ListAsync("")) outerKeys.Add(info.Key);
        Assert.Equal(["x"], innerKeys);
        Assert.Equal(["inner/x", "y"], outerKeys);
        await outer.DeleteManyAsync(outerKeys);
    }

    private static async Task<ObjectStoreException> AssertFailsFastAsync(Func<Task> operation)
    {
        var stopwatch = Stopwatch.StartNew();
        var e = await Assert.ThrowsAsync<ObjectStoreException>(operation);
        Assert.True(stopwatch.Elapsed < FailFast, $"took {stopwatch.Elapsed} to fail: {e.Message}");
        return e;
    }

    private sealed class ListLogger : ILogger
    {
        public List<string> Lines { get; } = [];

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            lock (Lines) Lines.Add(formatter(state, exception));
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
