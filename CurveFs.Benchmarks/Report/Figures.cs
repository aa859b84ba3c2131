using System.Globalization;

namespace CurveFs.Benchmarks.Report;

/// <summary>How figures and ratios are written in the report (invariant culture, precision by magnitude).</summary>
public static class Figures
{
    public const string Missing = "–";

    /// <summary>Three significant digits at most for small numbers, whole numbers from 100 up.</summary>
    public static string Number(double? value)
    {
        if (value is not { } v || double.IsNaN(v) || double.IsInfinity(v)) return Missing;
        var format = Math.Abs(v) >= 100 ? "F0" : Math.Abs(v) >= 10 ? "F1" : "F2";
        return v.ToString(format, CultureInfo.InvariantCulture);
    }

    /// <summary>value as a percentage of baseline ("42 %"); for times (lower is better) baseline/value, so
    /// above 100 % always means faster than the baseline.</summary>
    public static string Ratio(double? value, double? baseline, bool higherIsBetter = true)
    {
        if (value is not { } v || baseline is not { } b || v <= 0 || b <= 0) return Missing;
        var ratio = higherIsBetter ? v / b : b / v;
        var percent = ratio * 100;
        var format = percent >= 10 ? "F0" : percent >= 1 ? "F1" : "F2";
        return percent.ToString(format, CultureInfo.InvariantCulture) + " %";
    }

    public static string Bytes(long bytes) => bytes switch
    {
        >= 1L << 30 when bytes % (1L << 30) == 0 => $"{bytes >> 30} GiB",
        >= 1L << 20 when bytes % (1L << 20) == 0 => $"{bytes >> 20} MiB",
        >= 1L << 10 when bytes % (1L << 10) == 0 => $"{bytes >> 10} KiB",
        >= 1L << 20 => (bytes / (double)(1 << 20)).ToString("F1", CultureInfo.InvariantCulture) + " MiB",
        _ => $"{bytes} B",
    };
}
