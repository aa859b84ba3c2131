using CurveFs.Common.Meta;

namespace CurveFs.Mount.Data;

/// <summary>
/// When a chunk is worth rewriting as one slice: it has many slices shorter than a block (every read
/// resolves them all; a sequential stream leaves one slice per block, which is fine as it is), or its
/// objects hold more than twice the bytes still visible (overwritten data kept alive). Never when
/// the rewrite would store more than the objects it frees: a sparse chunk (a few writes far apart)
/// would turn into one object spanning the holes between them.
/// </summary>
internal static class CompactionPolicy
{
    public static bool NeedsCompaction(IReadOnlyList<SliceRecord> slicesOldestFirst, int maxSlices, uint blockSize)
    {
        if (slicesOldestFirst.Count < 2) return false;
        var referenced = ReferencedBytes(slicesOldestFirst);
        var (from, to) = Extent(slicesOldestFirst);
        if (referenced > 0 && to - from > referenced) return false;
        if (slicesOldestFirst.Count(s => s.Length < blockSize) > maxSlices) return true;
        long visible = 0;
        foreach (var segment in SliceMap.Resolve(slicesOldestFirst, from, to))
        {
            if (!segment.IsHole) visible += segment.End - segment.Start;
        }
        return referenced > 2 * visible;
    }

    /// <summary>From the first byte the slices cover to the last.</summary>
    public static (uint From, uint To) Extent(IReadOnlyList<SliceRecord> slices) => (slices.Min(s => s.Pos), slices.Max(s => s.End));

    /// <summary>The bytes of the objects the slices keep: each chunk ID's data counted once (several
    /// slices of one flush share it).</summary>
    private static long ReferencedBytes(IReadOnlyList<SliceRecord> slices) =>
        slices.Where(s => !s.IsZero).DistinctBy(s => (s.ChunkId, s.Compaction)).Sum(s => (long)s.DataSize);
}
