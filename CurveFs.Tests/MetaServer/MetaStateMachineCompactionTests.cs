using CurveFs.Common.Fs;
using CurveFs.Common.Meta;
using CurveFs.MetaServer.Partition;

namespace CurveFs.Tests.MetaServer;

/// <summary>CompactSlicesCommand: a compare-and-swap of a chunk's slices for one rewritten slice.</summary>
public class MetaStateMachineCompactionTests
{
    private const ulong Root = Limits.RootInode;

    private static CommitSlicesCommand Commit(ulong ino, ulong chunkIndex, uint pos, uint length, ulong chunkId) => new()
    {
        Ino = ino,
        Slices = [new NewSlice(chunkIndex, new SliceRecord(chunkId, pos, length, 0, length))],
        MinLength = chunkIndex * (1 << 20) + pos + length,
    };

    private static List<SequencedSlice> Slices(MetaHarness h, ulong ino, ulong chunkIndex = 0) =>
        MetaQueries.GetSlices(h.State.Store, MetaHarness.Fs, ino, chunkIndex);

    /// <summary>A file with three overlapping slices in chunk 0 (chunk IDs 1, 2 and a zero slice) and one in chunk 1.</summary>
    private static (MetaHarness H, ulong Ino) FragmentedFile()
    {
        var h = new MetaHarness();
        var ino = h.Create(Root, "f").Inode!.Ino;
        Assert.True(h.Apply(Commit(ino, 0, 0, 1000, chunkId: 1)).Ok);
        Assert.True(h.Apply(Commit(ino, 0, 500, 1000, chunkId: 2)).Ok);
        Assert.True(h.Apply(new FallocateCommand { Ino = ino, Mode = FallocateCommand.PunchHole | FallocateCommand.KeepSize, Offset = 100, Length = 50 }).Ok);
        Assert.True(h.Apply(Commit(ino, 1, 0, 10, chunkId: 3)).Ok);
        return (h, ino);
    }

    private static CompactSlicesCommand Compact(ulong ino, IEnumerable<ulong> seqs, ulong chunkId = 50, uint pos = 0, uint length = 1500) => new()
    {
        Ino = ino,
        ChunkIndex = 0,
        ReplacedSeqs = seqs.ToList(),
        Slice = new SliceRecord(chunkId, pos, length, 0, length, Compaction: 1),
    };

    [Fact]
    public void CompactSlices_ExactlyTheSlicesRead_ReplacesThemBelowNewerOnesAndTrashesTheirObjects()
    {
        var (h, ino) = FragmentedFile();
        var read = Slices(h, ino).Select(s => s.Seq).ToList();
        Assert.True(h.Apply(Commit(ino, 0, 200, 10, chunkId: 4)).Ok); // committed after the compactor read
        var before = h.Attr(ino);
        var trashBefore = MetaQueries.Trash(h.State.Store, MetaHarness.Fs, 10).Count;
        var usedBefore = MetaQueries.Usage(h.State.Store, MetaHarness.Fs).UsedBytes;

        var result = h.Apply(Compact(ino, read));

        Assert.True(result.Ok, result.Error.ToString());
        var after = Slices(h, ino);
        Assert.Equal([50ul, 4ul], after.Select(s => s.Slice.ChunkId));
        Assert.Equal(read.Max(), after[0].Seq); // the top replaced seq: below the newer commit, which still wins
        Assert.True(after[0].Seq < after[1].Seq);
        Assert.Equal(1u, after[0].Slice.Compaction);
        Assert.Equal(3ul, Slices(h, ino, 1).Single().Slice.ChunkId); // other chunks untouched
        var attr = h.Attr(ino);
        Assert.Equal((before.Length, before.MtimeNs, before.CtimeNs), (attr.Length, attr.MtimeNs, attr.CtimeNs));
        var trash = MetaQueries.Trash(h.State.Store, MetaHarness.Fs, 10);
        Assert.Equal(trashBefore + 1, trash.Count);
        Assert.Equal([1ul, 2ul], trash[^1].Record.Slices.Select(s => s.ChunkId).Order()); // the zero slice has no objects
        Assert.Equal(usedBefore, MetaQueries.Usage(h.State.Store, MetaHarness.Fs).UsedBytes);
    }

    [Fact]
    public void CompactSlices_AfterTruncateDroppedTheChunk_FailsWithEstaleAndChangesNothing()
    {
        var (h, ino) = FragmentedFile();
        var read = Slices(h, ino).Select(s => s.Seq).ToList();
        Assert.True(h.SetAttr(ino, AttrFields.Size, size: 0).Ok);
        Assert.True(h.Apply(Commit(ino, 0, 0, 1500, chunkId: 7)).Ok); // the file grows again with new data
        var digest = h.Digest();

        Assert.Equal(Errno.ESTALE, h.Apply(Compact(ino, read)).Error);

        Assert.Equal(digest, h.Digest());
    }

    [Fact]
    public void CompactSlices_SeqsMissingOneBelowTheTop_FailsWithEstaleAndChangesNothing()
    {
        var (h, ino) = FragmentedFile();
        var seqs = Slices(h, ino).Select(s => s.Seq).ToList();
        var digest = h.Digest();

        // A slice below the top seq the compactor did not read (its list was missing one): its bytes would be lost.
        Assert.Equal(Errno.ESTALE, h.Apply(Compact(ino, [seqs[0], seqs[2]])).Error);
        Assert.Equal(digest, h.Digest());
        // Compacted already: the first two seqs are gone.
        Assert.True(h.Apply(Compact(ino, seqs)).Ok);
        digest = h.Digest();
        Assert.Equal(Errno.ESTALE, h.Apply(Compact(ino, seqs)).Error);
        Assert.Equal(digest, h.Digest());
    }

    [Fact]
    public void CompactSlices_NewSliceNotSpanningTheReplacedOnes_IsRejected()
    {
        var (h, ino) = FragmentedFile();
        var seqs = Slices(h, ino).Select(s => s.Seq).ToList();
        var digest = h.Digest();
        Assert.Equal(Errno.EINVAL, h.Apply(Compact(ino, seqs, length: 1000)).Error);
        Assert.Equal(Errno.EINVAL, h.Apply(Compact(ino, [])).Error);
        Assert.Equal(Errno.ENOENT, h.Apply(Compact(ino + 100, seqs)).Error);
        Assert.Equal(digest, h.Digest());
    }
}
