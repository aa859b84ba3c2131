using System.Diagnostics;

namespace CurveFs.Benchmarks.Infra;

/// <summary>Progress lines on standard error ("[  12.3s] cluster: fio seqwrite"), so a long run shows where it is
/// while standard output carries only the report.</summary>
public static class Progress
{
    private static readonly Stopwatch s_clock = Stopwatch.StartNew();

    public static void Say(string message) =>
        Console.Error.WriteLine($"[{s_clock.Elapsed.TotalSeconds,7:F1}s] {message}");
}
