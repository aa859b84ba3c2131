using System.Diagnostics;
using CurveFs.Benchmarks.Infra;
using CurveFs.Benchmarks.Report;

namespace CurveFs.Benchmarks.SmallFiles;

/// <summary>
/// Runs one operation on items 0..count-1 from a number of dedicated threads (the operations block in
/// system calls, so no thread pool), timing each one. The first failure stops every thread and is rethrown.
/// </summary>
public static class ParallelRunner
{
    public static PhaseFigures Run(int count, int threads, Action<int> operation)
    {
        var latenciesMs = new double[count];
        var next = -1;
        Exception? failure = null;
        var busyBefore = MachineCpu.BusySeconds();
        var watch = Stopwatch.StartNew();
        var workers = new List<Thread>();
        for (var t = 0; t < threads; t++)
        {
            var worker = new Thread(() =>
            {
                int i;
                while (Volatile.Read(ref failure) is null && (i = Interlocked.Increment(ref next)) < count)
                {
                    var start = Stopwatch.GetTimestamp();
                    try
                    {
                        operation(i);
                    }
                    catch (Exception e)
                    {
                        Interlocked.CompareExchange(ref failure, e, null);
                        return;
                    }
                    latenciesMs[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
                }
            }) { IsBackground = true, Name = $"smallfiles-{t}" };
            workers.Add(worker);
            worker.Start();
        }
        foreach (var worker in workers) worker.Join();
        var seconds = watch.Elapsed.TotalSeconds;
        var busy = MachineCpu.BusySeconds() - busyBefore;
        if (failure is not null) throw new IOException(failure.Message, failure);
        Array.Sort(latenciesMs);
        return new PhaseFigures(count / seconds, Percentile(latenciesMs, 0.99), busy / count * 1e6);
    }

    /// <summary>The nearest-rank percentile (the smallest value with at least p of the values at or below it) of sorted values.</summary>
    public static double Percentile(double[] sorted, double p)
    {
        if (sorted.Length == 0) return double.NaN;
        var rank = (int)Math.Ceiling(p * sorted.Length);
        return sorted[Math.Clamp(rank - 1, 0, sorted.Length - 1)];
    }
}
