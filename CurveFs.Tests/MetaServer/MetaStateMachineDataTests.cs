using CurveFs.Common.Fs;
using CurveFs.Common.Meta;
using CurveFs.MetaServer.Partition;

namespace CurveFs.Tests.MetaServer;

public class MetaStateMachineDataTests
{
    private const ulong Root = Limits.RootInode;
    private const uint Chunk = 1 << 20; // the harness's chunk size

    private static CommitSlicesCommand Commit(ulong ino, ulong chunkIndex, uint pos, uint length, ulong chunkId) => new()
    {
        Ino = ino,
        Slices = [new NewSlice(chunkIndex, new SliceRecord(chunkId, pos, length, 0, length))],
        MinLength = chunkIndex * Chunk + pos + length,
    };

    [Fact]
    public void CommitSlices_GrowsLength_AndOrdersSlicesByCommit()
    {
        var h = new MetaHarness();
        var f = h.Create(Root, "f").Inode!;
        Assert.True(h.Apply(Commit(f.Ino, 0, 0, 100, chunkId: 9)).Ok);
        Assert.True(h.Apply(Commit(f.Ino, 0, 50, 10, chunkId: 3)).Ok); // lower chunk ID, later commit
        Assert.Equal(100ul, h.Attr(f.Ino).Length);
        var slices = MetaQueries.GetSlices(h.State.Store, MetaHarness.Fs, f.Ino, 0);
        Assert.Equal([9ul, 3ul], slices.Select(s => s.Slice.ChunkId));
        Assert.True(slices[0].Seq < slices[1].Seq);
        Assert.Equal(100, MetaQueries.Usage(h.State.Store, MetaHarness.Fs).UsedBytes);
    }

    [Fact]
    public void TruncateDown_DropsWholeChunksToTrash_AndShadowsTheBoundaryChunk()
    {
        var h = new MetaHarness();
        var f = h.Create(Root, "f").Inode!;
        h.Apply(Commit(f.Ino, 0, 0, Chunk, chunkId: 1));
        h.Apply(Commit(f.Ino, 1, 0, Chunk, chunkId: 2));
        h.Apply(Commit(f.Ino, 2, 0, 10, chunkId: 3));
        Assert.True(h.SetAttr(f.Ino, AttrFields.Size, size: Chunk + 100).Ok);
        Assert.Equal(Chunk + 100ul, h.Attr(f.Ino).Length);
        Assert.Empty(MetaQueries.GetSlices(h.State.Store, MetaHarness.Fs, f.Ino, 2));
        var boundary = MetaQueries.GetSlices(h.State.Store, MetaHarness.Fs, f.Ino, 1);
        Assert.Equal(2, boundary.Count);
        Assert.True(boundary[1].Slice.IsZero);
        Assert.Equal(100u, boundary[1].Slice.Pos);
        Assert.Equal(Chunk - 100, boundary[1].Slice.Length);
        var trash = MetaQueries.Trash(h.State.Store, MetaHarness.Fs, 10);
        Assert.Single(trash);
        Assert.Equal(3ul, trash[0].Record.Slices.Single().ChunkId);
    }

    [Fact]
    public void Purge_MovesAllObjectsToTrash_AndRemoveTrashForgetsThem()
    {
        var h = new MetaHarness();
        var f = h.Create(Root, "f").Inode!;
        h.Apply(Commit(f.Ino, 0, 0, 10, chunkId: 11));
        h.Apply(Commit(f.Ino, 3, 0, 10, chunkId: 12));
        h.Unlink(Root, "f");
        Assert.True(h.Apply(new PurgeInodeCommand { Ino = f.Ino }).Ok);
        var trash = MetaQueries.Trash(h.State.Store, MetaHarness.Fs, 10);
        Assert.Equal([11ul, 12ul], trash.SelectMany(t => t.Record.Slices).Select(s => s.ChunkId).Order());
        Assert.Equal(1, MetaQueries.Usage(h.State.Store, MetaHarness.Fs).Inodes); // root only
        Assert.Equal(0, MetaQueries.Usage(h.State.Store, MetaHarness.Fs).UsedBytes);
        Assert.True(h.Apply(new RemoveTrashCommand { Keys = trash.Select(t => t.Key).ToList() }).Ok);
        Assert.Empty(MetaQueries.Trash(h.State.Store, MetaHarness.Fs, 10));
    }

    [Fact]
    public void Fallocate_ExtendsOrPunches_AndRejectsUnknownModes()
    {
        var h = new MetaHarness();
        var f = h.Create(Root, "f").Inode!;
        Assert.True(h.Apply(new FallocateCommand { Ino = f.Ino, Mode = 0, Offset = 0, Length = 5000 }).Ok);
        Assert.Equal(5000ul, h.Attr(f.Ino).Length);
        Assert.True(h.Apply(new FallocateCommand { Ino = f.Ino, Mode = FallocateCommand.KeepSize, Offset = 0, Length = 9000 }).Ok);
        Assert.Equal(5000ul, h.Attr(f.Ino).Length);
        Assert.True(h.Apply(new FallocateCommand { Ino = f.Ino, Mode = FallocateCommand.PunchHole | FallocateCommand.KeepSize, Offset = 100, Length = 200 }).Ok);
        var slice = MetaQueries.GetSlices(h.State.Store, MetaHarness.Fs, f.Ino, 0).Single().Slice;
        Assert.True(slice.IsZero);
        Assert.Equal((100u, 200u), (slice.Pos, slice.Length));
        Assert.Equal(Errno.EOPNOTSUPP, h.Apply(new FallocateCommand { Ino = f.Ino, Mode = 0x08, Offset = 0, Length = 1 }).Error);
        Assert.Equal(Errno.EINVAL, h.Apply(new FallocateCommand { Ino = f.Ino, Mode = FallocateCommand.PunchHole, Offset = 0, Length = 1 }).Error);
    }
}

public class OrphanHolderTests
{
    private const ulong Root = Limits.RootInode;

    [Fact]
    public void Orphan_HeldByTwoClients_IsPurgedWhenTheLastLetsGo()
    {
        var h = new MetaHarness();
        var f = h.Create(Root, "f").Inode!;
        h.Unlink(Root, "f");
        Assert.True(h.Apply(new HoldOrphanCommand { Ino = f.Ino, ClientId = 7 }).Ok);
        Assert.True(h.Apply(new HoldOrphanCommand { Ino = f.Ino, ClientId = 8 }).Ok);
        Assert.True(h.Apply(new PurgeInodeCommand { Ino = f.Ino, ClientId = 7 }).Ok);
        Assert.True(MetaQueries.GetAttr(h.State.Store, MetaHarness.Fs, f.Ino).Ok); // client 8 still reads it
        Assert.True(h.Apply(new PurgeInodeCommand { Ino = f.Ino, ClientId = 8 }).Ok);
        Assert.Equal(Errno.ENOENT, MetaQueries.GetAttr(h.State.Store, MetaHarness.Fs, f.Ino).Error);
        Assert.Empty(MetaQueries.Orphans(h.State.Store, MetaHarness.Fs));
    }

    [Fact]
    public void ExpiredClient_LosesItsHoldsAndStoredAnswers()
    {
        var h = new MetaHarness();
        var f = h.Create(Root, "f").Inode!;
        var g = h.Create(Root, "g").Inode!;
        h.Unlink(Root, "f");
        h.Unlink(Root, "g");
        h.Apply(new HoldOrphanCommand { Ino = f.Ino, ClientId = 7 });
        h.Apply(new HoldOrphanCommand { Ino = g.Ino, ClientId = 7 });
        h.Apply(new HoldOrphanCommand { Ino = g.Ino, ClientId = 9 });
        h.State.Apply(new CommandEnvelope { ClientId = 7, Seq = 1, Command = new CreateNodeCommand { FsId = MetaHarness.Fs, Parent = Root, Name = "x"u8.ToArray(), Mode = FileModes.Regular | 0x1A4 } });
        Assert.NotNull(h.State.Store.Get(MetaKeys.RequestKey(7, 1)));
        Assert.True(h.Apply(new ExpireClientCommand { ClientId = 7 }).Ok);
        Assert.Null(h.State.Store.Get(MetaKeys.RequestKey(7, 1)));
        Assert.Equal(Errno.ENOENT, MetaQueries.GetAttr(h.State.Store, MetaHarness.Fs, f.Ino).Error); // only 7 held it
        Assert.True(MetaQueries.GetAttr(h.State.Store, MetaHarness.Fs, g.Ino).Ok); // 9 still holds it
        Assert.Equal([g.Ino], MetaQueries.Orphans(h.State.Store, MetaHarness.Fs));
    }
}
