using CurveFs.Common.Fs;
using CurveFs.Common.Meta;
using static CurveFs.Tests.MetaServer.MetaHarness;

namespace CurveFs.Tests.MetaServer;

public class MetaStateMachineNamespaceTests
{
    private const ulong Root = Limits.RootInode;

    [Fact]
    public void Create_NewFile_IsFoundByLookupWithOwnerAndTimes()
    {
        var h = new MetaHarness();
        var created = h.Create(Root, "a.txt", 0x1A4, Alice);
        Assert.True(created.Ok);
        var found = h.Lookup(Root, "a.txt");
        Assert.True(found.Ok);
        Assert.Equal(created.Inode!.Ino, found.Value.Ino);
        Assert.Equal(FileModes.Regular | 0x1A4u, found.Value.Mode);
        Assert.Equal(1000u, found.Value.Uid);
        Assert.Equal(1u, found.Value.Nlink);
        Assert.Equal(found.Value.CtimeNs, found.Value.MtimeNs);
        Assert.Equal(found.Value.MtimeNs, h.Attr(Root).MtimeNs);
    }

    [Fact]
    public void Create_ExistingName_ReturnsEexist()
    {
        var h = new MetaHarness();
        Assert.True(h.Create(Root, "x").Ok);
        Assert.Equal(Errno.EEXIST, h.Create(Root, "x").Error);
        Assert.Equal(Errno.EEXIST, h.Mkdir(Root, "x").Error);
    }

    [Fact]
    public void Create_NameOf256Bytes_ReturnsEnametoolong_And255Works()
    {
        var h = new MetaHarness();
        Assert.Equal(Errno.ENAMETOOLONG, h.Create(Root, new string('n', 256)).Error);
        Assert.Equal(Errno.ENAMETOOLONG, h.Lookup(Root, new string('n', 256)).Error);
        Assert.True(h.Create(Root, new string('n', 255)).Ok);
    }

    [Fact]
    public void Create_NameWithSlash_ReturnsEinval()
    {
        var h = new MetaHarness();
        Assert.Equal(Errno.EINVAL, h.Create(Root, "a/b").Error);
    }

    [Fact]
    public void Create_InFile_ReturnsEnotdir()
    {
        var h = new MetaHarness();
        var file = h.Create(Root, "f").Inode!;
        Assert.Equal(Errno.ENOTDIR, h.Create(file.Ino, "child").Error);
        Assert.Equal(Errno.ENOTDIR, h.Lookup(file.Ino, "child").Error);
    }

    [Fact]
    public void Mkdir_And_Rmdir_KeepParentLinkCount()
    {
        var h = new MetaHarness();
        Assert.Equal(2u, h.Attr(Root).Nlink);
        var dir = h.Mkdir(Root, "d").Inode!;
        Assert.Equal(2u, dir.Nlink);
        Assert.Equal(3u, h.Attr(Root).Nlink);
        Assert.True(h.Rmdir(Root, "d").Ok);
        Assert.Equal(2u, h.Attr(Root).Nlink);
        Assert.Equal(Errno.ENOENT, h.Lookup(Root, "d").Error);
    }

    [Fact]
    public void Rmdir_NonEmpty_ReturnsEnotempty_AndFile_ReturnsEnotdir()
    {
        var h = new MetaHarness();
        var dir = h.Mkdir(Root, "d").Inode!;
        h.Create(dir.Ino, "f");
        h.Create(Root, "plain");
        Assert.Equal(Errno.ENOTEMPTY, h.Rmdir(Root, "d").Error);
        Assert.Equal(Errno.ENOTDIR, h.Rmdir(Root, "plain").Error);
        Assert.Equal(Errno.ENOENT, h.Rmdir(Root, "missing").Error);
    }

    [Fact]
    public void Unlink_Directory_ReturnsEisdir()
    {
        var h = new MetaHarness();
        h.Mkdir(Root, "d");
        Assert.Equal(Errno.EISDIR, h.Unlink(Root, "d").Error);
    }

    [Fact]
    public void HardLinks_CountLinks_AndLastUnlinkMakesAnOrphan()
    {
        var h = new MetaHarness();
        var dir = h.Mkdir(Root, "d").Inode!;
        var file = h.Create(Root, "f").Inode!;
        var linked = h.Link(file.Ino, dir.Ino, "g");
        Assert.True(linked.Ok);
        Assert.Equal(2u, h.Attr(file.Ino).Nlink);
        Assert.Equal([Root, dir.Ino], h.Attr(file.Ino).Parents);
        Assert.True(h.Unlink(Root, "f").Ok);
        Assert.Equal(1u, h.Attr(file.Ino).Nlink);
        Assert.Empty(MetaServerQueries.Orphans(h));
        var last = h.Unlink(dir.Ino, "g");
        Assert.Equal(0u, last.Other!.Nlink);
        Assert.Equal([file.Ino], MetaServerQueries.Orphans(h));
        // still readable by inode (open handles) until purged
        Assert.Equal(0u, h.Attr(file.Ino).Nlink);
        Assert.True(h.Apply(new PurgeInodeCommand { Ino = file.Ino }).Ok);
        Assert.Equal(Errno.ENOENT, CurveFs.MetaServer.Partition.MetaQueries.GetAttr(h.State.Store, Fs, file.Ino).Error);
        Assert.Empty(MetaServerQueries.Orphans(h));
    }

    [Fact]
    public void Link_Directory_ReturnsEperm_AndExistingTarget_ReturnsEexist()
    {
        var h = new MetaHarness();
        var dir = h.Mkdir(Root, "d").Inode!;
        var file = h.Create(Root, "f").Inode!;
        Assert.Equal(Errno.EPERM, h.Link(dir.Ino, Root, "d2").Error);
        Assert.Equal(Errno.EEXIST, h.Link(file.Ino, Root, "d").Error);
    }

    [Fact]
    public void Symlink_StoresTarget_AndRejectsEmptyAndOverlongTargets()
    {
        var h = new MetaHarness();
        var link = h.Symlink(Root, "l", "../some/where");
        Assert.True(link.Ok);
        Assert.Equal("../some/where"u8.ToArray(), h.Attr(link.Inode!.Ino).SymlinkTarget);
        Assert.Equal(13ul, h.Attr(link.Inode!.Ino).Length);
        Assert.Equal(FileModes.Symlink | 0x1FFu, h.Attr(link.Inode!.Ino).Mode);
        Assert.Equal(Errno.ENOENT, h.Symlink(Root, "e", "").Error);
        Assert.Equal(Errno.ENAMETOOLONG, h.Symlink(Root, "long", new string('t', 4096)).Error);
    }

    [Fact]
    public void Mknod_SpecialFiles_KeepTypeAndRdev()
    {
        var h = new MetaHarness();
        var fifo = h.Apply(new CreateNodeCommand { Parent = Root, Name = N("p"), Mode = FileModes.Fifo | 0x1A4 });
        var chr = h.Apply(new CreateNodeCommand { Parent = Root, Name = N("c"), Mode = FileModes.CharDevice | 0x1A4, Rdev = 0x0103 });
        var sock = h.Apply(new CreateNodeCommand { Parent = Root, Name = N("s"), Mode = FileModes.Socket | 0x1A4 });
        Assert.Equal(FileModes.Fifo, FileModes.Type(fifo.Inode!.Mode));
        Assert.Equal(0x0103ul, h.Attr(chr.Inode!.Ino).Rdev);
        Assert.Equal(FileModes.Socket, FileModes.Type(sock.Inode!.Mode));
        Assert.Equal(Errno.EINVAL, h.Apply(new CreateNodeCommand { Parent = Root, Name = N("bad"), Mode = 0xE000 }).Error);
    }

    [Fact]
    public void ReadDir_ReturnsNamesInOrder_AndPagesAfterAName()
    {
        var h = new MetaHarness();
        foreach (var name in new[] { "b", "a", "c", "aa" }) h.Create(Root, name);
        Assert.Equal(["a", "aa", "b", "c"], h.Names(Root));
        var page = CurveFs.MetaServer.Partition.MetaQueries.ReadDir(h.State.Store, Fs, Root, N("aa"), 10, withAttrs: true);
        Assert.Equal(["b", "c"], page.Value.Select(e => System.Text.Encoding.UTF8.GetString(e.Name)));
        Assert.All(page.Value, e => Assert.NotNull(e.Attr));
    }

    [Fact]
    public void FailedCommand_LeavesStateUnchanged()
    {
        var h = new MetaHarness();
        h.Mkdir(Root, "d");
        var before = h.Digest();
        Assert.False(h.Rmdir(Root, "nope").Ok);
        Assert.False(h.Create(Root, "d").Ok);
        Assert.Equal(before, h.Digest());
    }

    [Fact]
    public void SameCommands_OnTwoStates_GiveIdenticalState()
    {
        var a = new MetaHarness();
        var b = new MetaHarness();
        foreach (var h in new[] { a, b })
        {
            var d = h.Mkdir(Root, "d").Inode!;
            h.Create(d.Ino, "x");
            h.Rename(d.Ino, "x", Root, "y");
            h.Symlink(Root, "s", "y");
        }
        Assert.Equal(a.Digest(), b.Digest());
    }

    [Fact]
    public void PartitionFull_AsksForNewPartition_ThenCreatesThere()
    {
        var h = new MetaHarness(partitionEnd: 3);
        Assert.True(h.Create(Root, "a").Ok); // ino 2
        Assert.True(h.Create(Root, "b").Ok); // ino 3
        var full = h.Create(Root, "c");
        Assert.Equal(Errno.ENOSPC, full.Error);
        Assert.True(full.NeedsPartition);
        Assert.True(h.Apply(new CreatePartitionCommand { Partition = new PartitionRecord { PartitionId = 2, Start = 100, End = 199 } }).Ok);
        var c = h.Create(Root, "c");
        Assert.True(c.Ok);
        Assert.Equal(100ul, c.Inode!.Ino);
        Assert.Equal(Errno.EEXIST, h.Apply(new CreatePartitionCommand { Partition = new PartitionRecord { PartitionId = 3, Start = 150, End = 250 } }).Error);
    }
}

internal static class MetaServerQueries
{
    public static List<ulong> Orphans(MetaHarness h) => CurveFs.MetaServer.Partition.MetaQueries.Orphans(h.State.Store, MetaHarness.Fs);
}
