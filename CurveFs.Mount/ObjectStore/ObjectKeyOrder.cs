namespace CurveFs.Mount.ObjectStore;

/// <summary>
/// The order S3 lists keys in: by their UTF-8 bytes, which is Unicode code-point order. Plain ordinal
/// UTF-16 comparison differs from it only between surrogate pairs and characters U+E000..U+FFFF, so
/// those two ranges are swapped before comparing; nothing is allocated.
/// </summary>
public static class ObjectKeyOrder
{
    public static IComparer<string> Comparer { get; } = Comparer<string>.Create(Compare);

    public static int Compare(string? a, string? b)
    {
        if (ReferenceEquals(a, b)) return 0;
        if (a is null) return -1;
        if (b is null) return 1;
        int n = Math.Min(a.Length, b.Length);
        for (int i = 0; i < n; i++)
        {
            char x = a[i], y = b[i];
            if (x != y) return CodePointRank(x) - CodePointRank(y);
        }
        return a.Length - b.Length;
    }

    private static int CodePointRank(char c) => c switch
    {
        >= '\uE000' => c - 0x800,
        >= '\uD800' => c + 0x2000,
        _ => c,
    };
}
