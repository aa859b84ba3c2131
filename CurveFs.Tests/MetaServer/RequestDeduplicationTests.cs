using System.Text;
using CurveFs.Common.Fs;
using CurveFs.Common.Meta;
using CurveFs.MetaServer.Partition;

namespace CurveFs.Tests.MetaServer;

public class RequestDeduplicationTests
{
    private static CommandEnvelope Numbered(ulong seq, MetaCommand command, ulong ackedBelow = 0) =>
        new() { ClientId = 42, Seq = seq, AckedBelow = ackedBelow, Command = command };

    private static CreateNodeCommand Create(string name) =>
        new() { FsId = MetaHarness.Fs, Parent = 1, Name = Encoding.UTF8.GetBytes(name), Mode = FileModes.Regular | 0x1A4, NowNs = 5 };

    [Fact]
    public void RetriedCreate_ReturnsTheFirstResult_AndCreatesOnce()
    {
        var h = new MetaHarness();
        var first = h.State.Apply(Numbered(1, Create("a")));
        var retry = h.State.Apply(Numbered(1, Create("a")));
        Assert.True(first.Result.Ok);
        Assert.True(retry.Result.Ok); // not EEXIST: the retry is recognised
        Assert.False(retry.Changed);
        Assert.Equal(first.Result.Inode!.Ino, retry.Result.Inode!.Ino);
        Assert.Equal(["a"], h.Names(1));
    }

    [Fact]
    public void RetriedRename_DoesNotFailOrApplyTwice()
    {
        var h = new MetaHarness();
        h.Create(1, "x");
        var rename = new RenameCommand { FsId = MetaHarness.Fs, Parent = 1, Name = Encoding.UTF8.GetBytes("x"), NewParent = 1, NewName = Encoding.UTF8.GetBytes("y") };
        Assert.True(h.State.Apply(Numbered(7, rename)).Result.Ok);
        Assert.True(h.State.Apply(Numbered(7, rename)).Result.Ok);
        Assert.Equal(["y"], h.Names(1));
    }

    [Fact]
    public void FailedRequest_IsRememberedToo_AndAcknowledgedResultsAreForgotten()
    {
        var h = new MetaHarness();
        var unlink = new UnlinkCommand { FsId = MetaHarness.Fs, Parent = 1, Name = Encoding.UTF8.GetBytes("later") };
        Assert.Equal(Errno.ENOENT, h.State.Apply(Numbered(3, unlink)).Result.Error);
        h.Create(1, "later");
        Assert.Equal(Errno.ENOENT, h.State.Apply(Numbered(3, unlink)).Result.Error); // same answer, file kept
        Assert.Equal(["later"], h.Names(1));
        Assert.NotNull(h.State.Store.Get(MetaKeys.RequestKey(42, 3)));
        h.State.Apply(Numbered(4, Create("z"), ackedBelow: 4));
        Assert.Null(h.State.Store.Get(MetaKeys.RequestKey(42, 3)));
        Assert.NotNull(h.State.Store.Get(MetaKeys.RequestKey(42, 4)));
    }

    [Fact]
    public void AllocateChunkIds_HandsOutDisjointRanges()
    {
        var h = new MetaHarness();
        var a = h.Apply(new AllocateChunkIdsCommand { Count = 100 });
        var b = h.Apply(new AllocateChunkIdsCommand { Count = 50 });
        Assert.Equal(1ul, a.Value);
        Assert.Equal(101ul, b.Value);
        Assert.Equal(Errno.EINVAL, h.Apply(new AllocateChunkIdsCommand { Count = 0 }).Error);
    }

    [Fact]
    public void QueryExecutor_AnswersLikeTheQueryFunctions()
    {
        var h = new MetaHarness();
        var f = h.Create(1, "file").Inode!;
        var store = h.State.Store;
        var lookup = QueryExecutor.Run(store, new LookupQuery { FsId = MetaHarness.Fs, Parent = 1, Name = Encoding.UTF8.GetBytes("file") });
        Assert.Equal(f.Ino, lookup.Inode!.Ino);
        Assert.Equal(Errno.ENOENT, QueryExecutor.Run(store, new GetAttrQuery { FsId = MetaHarness.Fs, Ino = 999 }).Error);
        Assert.Single(QueryExecutor.Run(store, new ReadDirQuery { FsId = MetaHarness.Fs, Dir = 1 }).Entries!);
        var digest = QueryExecutor.Run(store, new DigestQuery()).Digest!;
        h.Create(1, "other");
        Assert.NotEqual(digest, QueryExecutor.Run(store, new DigestQuery()).Digest);
    }
}

public class FsRecordTests
{
    [Fact]
    public void InitFs_StoresTheRecord_IsRepeatable_AndRefusesASecondName()
    {
        var state = new CurveFs.MetaServer.Partition.CopysetState();
        InitFsCommand Init(string name) => new()
        {
            FsId = 1,
            Partition = new PartitionRecord { PartitionId = 1, Start = 1, End = 1000 },
            Fs = new FsInfo(1, name, 1 << 26, 1 << 22, 1 << 30),
        };
        Assert.True(state.Apply(Init("alpha")).Result.Ok);
        Assert.True(state.Apply(Init("alpha")).Result.Ok);
        Assert.Equal(CurveFs.Common.Fs.Errno.EEXIST, state.Apply(Init("beta")).Result.Error);
        var found = CurveFs.MetaServer.Partition.QueryExecutor.Run(state.Store, new FsByNameQuery { Name = "alpha" });
        Assert.Equal(1u << 26, found.Fs!.ChunkSize);
        Assert.Equal(CurveFs.Common.Fs.Errno.ENOENT, CurveFs.MetaServer.Partition.QueryExecutor.Run(state.Store, new FsByNameQuery { Name = "beta" }).Error);
    }
}
