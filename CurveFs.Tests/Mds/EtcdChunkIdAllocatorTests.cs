using Xunit.Abstractions;
using System.Collections.Concurrent;
using System.Diagnostics;
using CurveFs.Common.Data;
using CurveFs.Mds.ChunkIds;
using CurveFs.Mds.Etcd;
using CurveFs.Tests.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;

namespace CurveFs.Tests.Mds;

[Collection(MdsCollection.Name)]
[Trait("Category", "Integration")]
public sealed class EtcdChunkIdAllocatorTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Reserve_EightConcurrentAllocatorsWithRestarts_NeverOverlap()
    {
        var keys = new MdsKeys(EtcdServer.UniquePrefix("chunkids"));
        var ranges = new ConcurrentBag<ChunkIdRange>();
        var conflicts = 0;
        var bundles = 0;
        var watch = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, 8).Select(worker => Task.Run(async () =>
        {
            var random = new Random(worker);
            // Each worker "restarts" its allocator (a new process would start with nothing in memory) twice.
            for (var life = 0; life < 3; life++)
            {
                using var etcd = new EtcdKv(new EtcdOptions { Endpoints = EtcdServer.Shared.Endpoints });
                var allocator = new EtcdChunkIdAllocator(etcd, keys, bundleSize: 200, NullLogger.Instance);
                for (var i = 0; i < 60; i++) ranges.Add(await allocator.ReserveAsync((ulong)random.Next(1, 120)));
                Interlocked.Add(ref conflicts, allocator.Conflicts);
                Interlocked.Add(ref bundles, allocator.BundlesReserved);
            }
        })));
        output.WriteLine($"{ranges.Count} ranges, {bundles} bundles, {conflicts} conflicts in {watch.ElapsedMilliseconds} ms");

        var sorted = ranges.OrderBy(r => r.Start).ToList();
        Assert.True(sorted[0].Start >= 1);
        for (var i = 1; i < sorted.Count; i++)
            Assert.True(sorted[i - 1].Start + sorted[i - 1].Count <= sorted[i].Start, $"{sorted[i - 1]} overlaps {sorted[i]}");

        using var check = new EtcdKv(new EtcdOptions { Endpoints = EtcdServer.Shared.Endpoints });
        var counter = MdsKeys.ParseCounter(await check.GetAsync(keys.ChunkIdCounter), 1);
        Assert.True(counter >= sorted[^1].Start + sorted[^1].Count, "the counter in etcd is below an ID handed out");
        await check.DeletePrefixAsync(keys.Prefix);
    }

    [Fact]
    public async Task Reserve_LargerThanABundle_GetsItWhole()
    {
        var keys = new MdsKeys(EtcdServer.UniquePrefix("chunkids-large"));
        using var etcd = new EtcdKv(new EtcdOptions { Endpoints = EtcdServer.Shared.Endpoints });
        var allocator = new EtcdChunkIdAllocator(etcd, keys, bundleSize: 10, NullLogger.Instance);

        var small = await allocator.ReserveAsync(3);
        var large = await allocator.ReserveAsync(25);
        var after = await allocator.ReserveAsync(1);

        Assert.Equal(new ChunkIdRange(1, 3), small);
        Assert.Equal(25UL, large.Count);
        Assert.True(large.Start >= 11, $"{large} reuses the first bundle");
        Assert.True(after.Start >= large.Start + 25);
        await etcd.DeletePrefixAsync(keys.Prefix);
    }
}
