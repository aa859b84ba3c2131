using System.Diagnostics;
using System.Text;
using CurveFs.Common.Fs;
using CurveFs.Common.Meta;
using CurveFs.Mount.Meta;
using Xunit.Abstractions;

namespace CurveFs.Tests.Rpc;

/// <summary>Round trips per second through one client over loopback. Reports numbers; asserts only correctness.
/// See them with: dotnet test --filter "FullyQualifiedName~MetaRpcThroughput" --logger "console;verbosity=detailed"</summary>
[Trait("Category", "Integration")]
public sealed class MetaRpcThroughputTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Window = TimeSpan.FromSeconds(1);

    [Fact]
    public async Task GetAttrAndCreate_RoundTripsPerSecond()
    {
        await using var host = await RpcTestHost.StartAsync();
        await using var client = await ClusterMetaClientTests.CreateFsAsync(host);
        var next = 0;
        Func<Task> getAttr = async () => Assert.True((await client.GetAttrAsync(1)).Ok);
        Func<Task> create = async () =>
        {
            var name = Encoding.ASCII.GetBytes($"f{Interlocked.Increment(ref next)}");
            Assert.True((await client.ExecuteAsync(new CreateNodeCommand { Parent = 1, Name = name, Mode = FileModes.Regular | 0x1A4, NowNs = Clock.NowNs() })).Ok);
        };

        using var rpc = new MetaRpcClient(TimeSpan.FromSeconds(5));
        Func<Task> status = async () => Assert.Single((await rpc.StatusAsync(host.Endpoint)).Copysets);

        await RunAsync(getAttr, 1, TimeSpan.FromSeconds(0.5)); // warm up the JIT and the connection
        await RunAsync(status, 1, TimeSpan.FromSeconds(0.3));
        await RunAsync(create, 1, TimeSpan.FromSeconds(0.3));
        output.WriteLine($"bare Status call x1 : {await RunAsync(status, 1, Window),8:0} round trips/s (gRPC transport alone)");
        foreach (var concurrency in new[] { 1, 16 })
        {
            output.WriteLine($"getattr  x{concurrency,-2}: {await RunAsync(getAttr, concurrency, Window),8:0} round trips/s");
            output.WriteLine($"create   x{concurrency,-2}: {await RunAsync(create, concurrency, Window),8:0} round trips/s");
        }
    }

    /// <summary>Runs <paramref name="operation"/> in <paramref name="concurrency"/> loops for a while; operations per second.</summary>
    private static async Task<double> RunAsync(Func<Task> operation, int concurrency, TimeSpan window)
    {
        var count = 0L;
        var watch = Stopwatch.StartNew();
        var loops = Enumerable.Range(0, concurrency).Select(_ => Task.Run(async () =>
        {
            while (watch.Elapsed < window)
            {
                await operation();
                Interlocked.Increment(ref count);
            }
        }));
        await Task.WhenAll(loops);
        return count / watch.Elapsed.TotalSeconds;
    }
}
