using System.Globalization;

namespace CurveFs.Mount.Cli;

/// <summary>Parses sizes like "4096", "64K", "4M", "4MiB", "1G".</summary>
public static class SizeParser
{
    public static bool TryParse(string text, out long bytes)
    {
        bytes = 0;
        var s = text.Trim();
        if (s.EndsWith("iB", StringComparison.OrdinalIgnoreCase)) s = s[..^2];
        else if (s.EndsWith('B') || s.EndsWith('b')) s = s[..^1];
        long multiplier = 1;
        if (s.Length > 0 && char.IsLetter(s[^1]))
        {
            multiplier = char.ToUpperInvariant(s[^1]) switch
            {
                'K' => 1L << 10,
                'M' => 1L << 20,
                'G' => 1L << 30,
                'T' => 1L << 40,
                _ => 0,
            };
            if (multiplier == 0) return false;
            s = s[..^1];
        }
        if (!long.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out var value) || value < 0) return false;
        try
        {
            bytes = checked(value * multiplier);
            return true;
        }
        catch (OverflowException)
        {
            return false;
        }
    }
}
