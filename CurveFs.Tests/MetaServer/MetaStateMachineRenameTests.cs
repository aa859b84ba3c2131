using CurveFs.Common.Fs;
using CurveFs.Common.Meta;
using static CurveFs.Tests.MetaServer.MetaHarness;

namespace CurveFs.Tests.MetaServer;

public class MetaStateMachineRenameTests
{
    private const ulong Root = Limits.RootInode;

    [Fact]
    public void Rename_FileOverFile_ReplacesAndOrphansTheOld()
    {
        var h = new MetaHarness();
        var a = h.Create(Root, "a").Inode!;
        var b = h.Create(Root, "b").Inode!;
        var result = h.Rename(Root, "a", Root, "b");
        Assert.True(result.Ok);
        Assert.Equal(a.Ino, h.Lookup(Root, "b").Value.Ino);
        Assert.Equal(Errno.ENOENT, h.Lookup(Root, "a").Error);
        Assert.Equal(b.Ino, result.Other!.Ino);
        Assert.Equal(0u, result.Other.Nlink);
    }

    [Fact]
    public void Rename_NoReplace_OnExistingTarget_ReturnsEexist()
    {
        var h = new MetaHarness();
        h.Create(Root, "a");
        h.Create(Root, "b");
        Assert.Equal(Errno.EEXIST, h.Rename(Root, "a", Root, "b", flags: 1).Error);
        Assert.True(h.Rename(Root, "a", Root, "c", flags: 1).Ok);
    }

    [Fact]
    public void Rename_Exchange_SwapsEntriesAcrossDirectories_AndFixesLinkCounts()
    {
        var h = new MetaHarness();
        var d1 = h.Mkdir(Root, "d1").Inode!;
        var d2 = h.Mkdir(Root, "d2").Inode!;
        var sub = h.Mkdir(d1.Ino, "sub").Inode!;
        var file = h.Create(d2.Ino, "file").Inode!;
        Assert.True(h.Rename(d1.Ino, "sub", d2.Ino, "file", flags: 2).Ok);
        Assert.Equal(file.Ino, h.Lookup(d1.Ino, "sub").Value.Ino);
        Assert.Equal(sub.Ino, h.Lookup(d2.Ino, "file").Value.Ino);
        Assert.Equal(2u, h.Attr(d1.Ino).Nlink);
        Assert.Equal(3u, h.Attr(d2.Ino).Nlink);
        Assert.Equal([d2.Ino], h.Attr(sub.Ino).Parents);
        Assert.Equal(Errno.ENOENT, h.Rename(d1.Ino, "sub", d2.Ino, "missing", flags: 2).Error);
        Assert.Equal(Errno.EINVAL, h.Rename(d1.Ino, "sub", d2.Ino, "file", flags: 3).Error);
    }

    [Fact]
    public void Rename_DirectoryIntoItsOwnSubtree_ReturnsEinval()
    {
        var h = new MetaHarness();
        var a = h.Mkdir(Root, "a").Inode!;
        var b = h.Mkdir(a.Ino, "b").Inode!;
        Assert.Equal(Errno.EINVAL, h.Rename(Root, "a", b.Ino, "a2").Error);
        Assert.Equal(Errno.EINVAL, h.Rename(Root, "a", a.Ino, "self").Error);
    }

    [Fact]
    public void Rename_OverAncestorOfSource_ReturnsEnotempty()
    {
        var h = new MetaHarness();
        var a = h.Mkdir(Root, "a").Inode!;
        h.Create(a.Ino, "f");
        Assert.Equal(Errno.ENOTEMPTY, h.Rename(a.Ino, "f", Root, "a").Error);
    }

    [Fact]
    public void Rename_TypeMismatches_ReturnLinuxErrnos()
    {
        var h = new MetaHarness();
        h.Mkdir(Root, "dir");
        var full = h.Mkdir(Root, "full").Inode!;
        h.Create(full.Ino, "x");
        h.Mkdir(Root, "empty");
        h.Create(Root, "file");
        Assert.Equal(Errno.ENOTDIR, h.Rename(Root, "dir", Root, "file").Error);
        Assert.Equal(Errno.EISDIR, h.Rename(Root, "file", Root, "dir").Error);
        Assert.Equal(Errno.ENOTEMPTY, h.Rename(Root, "dir", Root, "full").Error);
        Assert.Equal(Errno.ENOENT, h.Rename(Root, "nothing", Root, "x").Error);
        Assert.True(h.Rename(Root, "dir", Root, "empty").Ok);
        Assert.Equal(4u, h.Attr(Root).Nlink); // root, full, empty(was dir) + "."
    }

    [Fact]
    public void Rename_BetweenHardLinksOfOneInode_DoesNothing()
    {
        var h = new MetaHarness();
        var f = h.Create(Root, "f").Inode!;
        h.Link(f.Ino, Root, "g");
        Assert.True(h.Rename(Root, "f", Root, "g").Ok);
        Assert.Equal(f.Ino, h.Lookup(Root, "f").Value.Ino);
        Assert.Equal(f.Ino, h.Lookup(Root, "g").Value.Ino);
        Assert.Equal(2u, h.Attr(f.Ino).Nlink);
    }

    [Fact]
    public void Rename_DirectoryToNewParent_MovesLinkCountAndParent()
    {
        var h = new MetaHarness();
        var src = h.Mkdir(Root, "src").Inode!;
        var dst = h.Mkdir(Root, "dst").Inode!;
        var moving = h.Mkdir(src.Ino, "m").Inode!;
        h.Create(moving.Ino, "inside");
        Assert.True(h.Rename(src.Ino, "m", dst.Ino, "m2").Ok);
        Assert.Equal(2u, h.Attr(src.Ino).Nlink);
        Assert.Equal(3u, h.Attr(dst.Ino).Nlink);
        Assert.Equal([dst.Ino], h.Attr(moving.Ino).Parents);
        Assert.Equal(["inside"], h.Names(moving.Ino));
        Assert.Equal(dst.Ino, h.Lookup(moving.Ino, "..").Value.Ino);
    }

    [Fact]
    public void Rename_InStickyDirectory_ByStranger_ReturnsEperm()
    {
        var h = new MetaHarness();
        var tmp = h.Mkdir(Root, "tmp", 0x3FF).Inode!; // 1777
        h.Create(tmp.Ino, "alices", 0x1A4, Alice);
        Assert.Equal(Errno.EPERM, h.Rename(tmp.Ino, "alices", tmp.Ino, "bobs", caller: Bob).Error);
        Assert.Equal(Errno.EPERM, h.Unlink(tmp.Ino, "alices", Bob).Error);
        Assert.True(h.Rename(tmp.Ino, "alices", tmp.Ino, "mine", caller: Alice).Ok);
    }
}
