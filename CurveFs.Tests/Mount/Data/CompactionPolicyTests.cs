using CurveFs.Common.Meta;
using CurveFs.Mount.Data;

namespace CurveFs.Tests.Mount.Data;

/// <summary>Which chunks the compactor rewrites.</summary>
public sealed class CompactionPolicyTests
{
    private const uint Block = 64 << 10;

    /// <summary>A slice with its own chunk ID and data of exactly its length.</summary>
    private static SliceRecord Slice(ulong chunkId, uint pos, uint length) => new(chunkId, pos, length, 0, length);

    [Fact]
    public void NeedsCompaction_MoreSmallSlicesThanTheThreshold_Yes()
    {
        // Overlapping a little: their objects hold less than twice what is visible, so only the count decides.
        var slices = Enumerable.Range(0, 9).Select(i => Slice((ulong)i + 1, (uint)i * 600, 1000)).ToList();
        Assert.True(CompactionPolicy.NeedsCompaction(slices, maxSlices: 8, Block));
        Assert.False(CompactionPolicy.NeedsCompaction(slices[..8], maxSlices: 8, Block));
    }

    [Fact]
    public void NeedsCompaction_SequentialStreamOfWholeBlocksStartingMidBlock_No()
    {
        // One slice per block, as a stream that started 100 bytes in leaves them: nothing to gain.
        var slices = Enumerable.Range(0, 17).Select(i => Slice((ulong)i + 1, 100 + (uint)i * Block, Block)).ToList();
        Assert.False(CompactionPolicy.NeedsCompaction(slices, maxSlices: 8, Block));
    }

    [Fact]
    public void NeedsCompaction_FewLargeOverwritesOfTheSameBytes_YesWhenObjectsHoldOverTwiceWhatIsVisible()
    {
        List<SliceRecord> twice = [Slice(1, 0, Block), Slice(2, 0, Block)];
        Assert.False(CompactionPolicy.NeedsCompaction(twice, maxSlices: 8, Block));
        Assert.True(CompactionPolicy.NeedsCompaction([.. twice, Slice(3, 0, Block)], maxSlices: 8, Block));
    }

    [Fact]
    public void NeedsCompaction_SparseSmallWrites_NoEvenWhenMany()
    {
        // Rewriting would store their whole extent (holes as zeros): more than the 20 small objects hold.
        var slices = Enumerable.Range(0, 20).Select(i => Slice((ulong)i + 1, (uint)i * Block, 100)).ToList();
        Assert.False(CompactionPolicy.NeedsCompaction(slices, maxSlices: 8, Block));
    }

    [Fact]
    public void NeedsCompaction_SlicesSharingOneFlushesData_CountTheirObjectOnce()
    {
        // Three scattered writes flushed together: one chunk ID, 300 bytes of data, all of it visible.
        List<SliceRecord> slices = [new(7, 0, 100, 0, 300), new(7, 200, 100, 100, 300), new(7, 400, 100, 200, 300)];
        Assert.False(CompactionPolicy.NeedsCompaction(slices, maxSlices: 8, Block));
    }
}
