using System.Globalization;

namespace CurveFs.Benchmarks.Infra;

/// <summary>
/// CPU time the whole machine spent busy (every process and the kernel: user, nice, system, irq, softirq,
/// steal; not idle or iowait), from the first line of <c>/proc/stat</c>. Measured around a phase and divided
/// by its operations, it is what one operation costs across the mount, its servers and the kernel, and
/// <c>cores / cost</c> is the most operations per second the machine can do, however well they overlap.
/// </summary>
public static class MachineCpu
{
    /// <summary>Busy CPU seconds since boot, or null where /proc/stat cannot be read.</summary>
    public static double? BusySeconds()
    {
        try
        {
            using var reader = new StreamReader("/proc/stat");
            return ParseBusySeconds(reader.ReadLine() ?? "", Libc.ClockTicksPerSecond);
        }
        catch (IOException)
        {
            return null;
        }
    }

    /// <summary>Busy seconds in the aggregate "cpu" line of /proc/stat, counted in <paramref name="ticksPerSecond"/>.</summary>
    public static double? ParseBusySeconds(string cpuLine, long ticksPerSecond)
    {
        var fields = cpuLine.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        // cpu user nice system idle iowait irq softirq steal ...
        if (fields.Length < 9 || fields[0] != "cpu" || ticksPerSecond <= 0) return null;
        long busy = 0;
        foreach (var column in (int[])[1, 2, 3, 6, 7, 8])
        {
            if (!long.TryParse(fields[column], NumberStyles.None, CultureInfo.InvariantCulture, out var ticks)) return null;
            busy += ticks;
        }
        return busy / (double)ticksPerSecond;
    }
}
