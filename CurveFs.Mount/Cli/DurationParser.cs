using System.Globalization;

namespace CurveFs.Mount.Cli;

/// <summary>Parses durations like "0s", "90s", "10m", "1h", "2d" (a bare number is seconds).</summary>
public static class DurationParser
{
    public static bool TryParse(string text, out TimeSpan duration)
    {
        duration = default;
        var s = text.Trim();
        var unit = s.Length > 0 && char.IsLetter(s[^1]) ? char.ToLowerInvariant(s[^1]) : 's';
        if (s.Length > 0 && char.IsLetter(s[^1])) s = s[..^1];
        if (!double.TryParse(s, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var value)) return false;
        var seconds = unit switch
        {
            's' => value,
            'm' => value * 60,
            'h' => value * 3600,
            'd' => value * 86400,
            _ => double.NaN,
        };
        if (double.IsNaN(seconds) || seconds > TimeSpan.MaxValue.TotalSeconds / 2) return false;
        duration = TimeSpan.FromSeconds(seconds);
        return true;
    }

    public static string Format(TimeSpan duration) =>
        duration.TotalSeconds % 3600 == 0 && duration.TotalSeconds > 0 ? $"{duration.TotalHours:0}h"
        : duration.TotalSeconds % 60 == 0 && duration.TotalSeconds > 0 ? $"{duration.TotalMinutes:0}m"
        : $"{duration.TotalSeconds:0.###}s";
}
