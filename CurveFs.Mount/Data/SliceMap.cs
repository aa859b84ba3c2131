using CurveFs.Common.Meta;

namespace CurveFs.Mount.Data;

/// <summary>A piece of a chunk's visible content: chunk bytes [Start, End) come from Slice, or are a hole (zeros) when Slice is null or a zero slice.</summary>
public readonly record struct ChunkSegment(uint Start, uint End, SliceRecord? Slice)
{
    public bool IsHole => Slice is null || Slice.IsZero;
}

/// <summary>
/// Newest-wins resolution of a chunk's slices: for every byte of a range, the slice committed last
/// that covers it. Walks slices newest first and hands out only what is still uncovered, so a
/// fully-covered range stops early.
/// </summary>
public static class SliceMap
{
    /// <param name="slicesOldestFirst">the chunk's slices in commit order.</param>
    public static List<ChunkSegment> Resolve(IReadOnlyList<SliceRecord> slicesOldestFirst, uint from, uint to)
    {
        var visible = new List<ChunkSegment>();
        if (from >= to) return visible;
        var uncovered = new List<(uint Start, uint End)> { (from, to) };
        for (var i = slicesOldestFirst.Count - 1; i >= 0 && uncovered.Count > 0; i--)
        {
            var slice = slicesOldestFirst[i];
            if (slice.Length == 0) continue;
            var next = new List<(uint, uint)>(uncovered.Count + 1);
            foreach (var (start, end) in uncovered)
            {
                var s = Math.Max(start, slice.Pos);
                var e = Math.Min(end, slice.End);
                if (s >= e)
                {
                    next.Add((start, end));
                    continue;
                }
                visible.Add(new ChunkSegment(s, e, slice));
                if (start < s) next.Add((start, s));
                if (e < end) next.Add((e, end));
            }
            uncovered = next;
        }
        foreach (var (start, end) in uncovered) visible.Add(new ChunkSegment(start, end, null));
        visible.Sort((a, b) => a.Start.CompareTo(b.Start));
        return visible;
    }
}
