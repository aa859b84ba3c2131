using System.Buffers;
using System.Diagnostics;
using CurveFs.Benchmarks.Cli;
using CurveFs.Benchmarks.Infra;
using CurveFs.Benchmarks.Report;
using CurveFs.Benchmarks.SmallFiles;
using CurveFs.Benchmarks.Targets;
using CurveFs.Mount.ObjectStore;

namespace CurveFs.Benchmarks.S3;

/// <summary>
/// The ceiling of CurveFs's data path on S3: PUT then GET of block-sized objects (4 MiB by default, the
/// client's block size) through CurveFs's own <see cref="S3ObjectStore"/>, with as many requests in flight as
/// the client allows itself (16), from this machine to the same endpoint the cluster mount uses. The total
/// is the fio file size. Objects go under a fresh key prefix and are deleted afterwards.
/// </summary>
public static class RawS3Workload
{
    public static S3RawFigures Run(S3Service s3, BenchOptions options) =>
        RunAsync(s3, options).GetAwaiter().GetResult();

    private static async Task<S3RawFigures> RunAsync(S3Service s3, BenchOptions options)
    {
        var objectBytes = (int)Math.Min(options.ObjectBytes, 1L << 30);
        var objects = (int)Math.Max(1, options.SizeBytes / objectBytes);
        var figures = new S3RawFigures { Objects = objects, ObjectBytes = objectBytes, InFlight = options.S3InFlight };
        var prefix = "curvefs-bench-s3raw-" + Guid.NewGuid().ToString("N")[..8] + "/";
        await using var store = new S3ObjectStore(s3.StoreOptions(prefix));
        var payload = new byte[objectBytes];
        new Random(7).NextBytes(payload);
        var keys = Enumerable.Range(0, objects).Select(i => $"block-{i:D6}").ToList();
        try
        {
            // One request each way first: connection setup is not throughput.
            await store.PutAsync("warmup", payload).ConfigureAwait(false);
            await store.GetAsync("warmup", 0, new byte[objectBytes]).ConfigureAwait(false);
            await store.DeleteAsync("warmup").ConfigureAwait(false);

            Progress.Say($"raw S3: PUT {objects} x {Figures.Bytes(objectBytes)}, {options.S3InFlight} in flight ({s3.Description})");
            var (putSeconds, putP99) = await RunParallelAsync(keys, options.S3InFlight, key => store.PutAsync(key, payload)).ConfigureAwait(false);
            figures.PutMiBps = (double)objects * objectBytes / (1 << 20) / putSeconds;
            figures.PutP99Ms = putP99;

            Progress.Say($"raw S3: GET {objects} x {Figures.Bytes(objectBytes)}");
            var (getSeconds, getP99) = await RunParallelAsync(keys, options.S3InFlight, async key =>
            {
                var buffer = ArrayPool<byte>.Shared.Rent(objectBytes);
                try
                {
                    var read = await store.GetAsync(key, 0, buffer.AsMemory(0, objectBytes)).ConfigureAwait(false);
                    if (read != objectBytes) throw new ObjectStoreException($"GET {key} returned {read} bytes, expected {objectBytes}");
                }
                finally
                {
                    ArrayPool<byte>.Shared.Return(buffer);
                }
            }).ConfigureAwait(false);
            figures.GetMiBps = (double)objects * objectBytes / (1 << 20) / getSeconds;
            figures.GetP99Ms = getP99;
        }
        catch (Exception e) when (e is ObjectStoreException or ObjectNotFoundException or IOException or InvalidOperationException)
        {
            figures.Error = e.Message;
            Progress.Say($"raw S3 failed: {e.Message}");
        }
        finally
        {
            try
            {
                await store.DeleteManyAsync(keys).ConfigureAwait(false);
            }
            catch (ObjectStoreException e)
            {
                Progress.Say($"raw S3: could not delete the benchmark's objects under {prefix}: {e.Message}");
            }
        }
        return figures;
    }

    /// <summary>Runs one request per key with at most inFlight at once; returns the seconds of the whole and the p99 of one, in ms.</summary>
    private static async Task<(double Seconds, double P99Ms)> RunParallelAsync(IReadOnlyList<string> keys, int inFlight, Func<string, Task> request)
    {
        var latencies = new double[keys.Count];
        var watch = Stopwatch.StartNew();
        await Parallel.ForEachAsync(Enumerable.Range(0, keys.Count), new ParallelOptions { MaxDegreeOfParallelism = inFlight }, async (i, _) =>
        {
            var start = Stopwatch.GetTimestamp();
            await request(keys[i]).ConfigureAwait(false);
            latencies[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        }).ConfigureAwait(false);
        var seconds = watch.Elapsed.TotalSeconds;
        Array.Sort(latencies);
        return (seconds, ParallelRunner.Percentile(latencies, 0.99));
    }
}
