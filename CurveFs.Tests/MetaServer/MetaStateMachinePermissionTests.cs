using CurveFs.Common.Fs;
using CurveFs.Common.Meta;
using static CurveFs.Tests.MetaServer.MetaHarness;

namespace CurveFs.Tests.MetaServer;

public class MetaStateMachinePermissionTests
{
    private const ulong Root = Limits.RootInode;

    [Fact]
    public void Create_InDirectoryWithoutWrite_ReturnsEacces()
    {
        var h = new MetaHarness(rootMode: 0x1ED); // 0755 owned by root
        Assert.Equal(Errno.EACCES, h.Create(Root, "x", caller: Alice).Error);
        Assert.True(h.Create(Root, "x").Ok);
        Assert.Equal(Errno.EEXIST, h.Create(Root, "x", caller: Alice).Error); // EEXIST wins over EACCES, as on Linux
    }

    [Fact]
    public void Lookup_WithoutSearchPermission_ReturnsEacces()
    {
        var h = new MetaHarness();
        var secret = h.Mkdir(Root, "secret", 0x1C0).Inode!; // 0700 root
        h.Create(secret.Ino, "f");
        Assert.Equal(Errno.EACCES, h.Lookup(secret.Ino, "f", Alice).Error);
        Assert.True(h.Lookup(secret.Ino, "f").Ok);
    }

    [Fact]
    public void Permissions_OwnerGroupOther_AreCheckedInThatOrder()
    {
        var file = new InodeRecord { Mode = FileModes.Regular | 0x074, Uid = 1000, Gid = 2000 }; // 0164: owner --x, group rwx, other r--
        Assert.Equal(Errno.EACCES, Permissions.Check(file, Alice, AccessMask.Read)); // owner bits only
        Assert.Equal(Errno.Ok, Permissions.Check(file, Bob, AccessMask.Read | AccessMask.Write)); // supplementary group 2000
        Assert.Equal(Errno.Ok, Permissions.Check(file, new Caller(5, 5, []), AccessMask.Read));
        Assert.Equal(Errno.EACCES, Permissions.Check(file, new Caller(5, 5, []), AccessMask.Write));
        Assert.Equal(Errno.Ok, Permissions.Check(file, Caller.Root, AccessMask.Read | AccessMask.Write | AccessMask.Execute));
        var noExec = new InodeRecord { Mode = FileModes.Regular | 0x1A4 };
        Assert.Equal(Errno.EACCES, Permissions.Check(noExec, Caller.Root, AccessMask.Execute));
    }

    [Fact]
    public void SetgidDirectory_PassesGroupToFilesAndSetgidToSubdirectories()
    {
        var h = new MetaHarness();
        var shared = h.Mkdir(Root, "shared", 0x5FF).Inode!; // 2777
        Assert.True(h.SetAttr(shared.Ino, AttrFields.Gid, gid: 2000).Ok);
        Assert.True(h.SetAttr(shared.Ino, AttrFields.Mode, mode: 0xDFF).Ok); // chown cleared nothing on dirs; keep 2777 + sticky? use 2777
        var file = h.Create(shared.Ino, "f", 0x1A4, Alice).Inode!;
        var dir = h.Mkdir(shared.Ino, "d", 0x1ED, Alice).Inode!;
        Assert.Equal(2000u, file.Gid);
        Assert.Equal(2000u, dir.Gid);
        Assert.NotEqual(0u, dir.Mode & FileModes.SetGid);
        Assert.Equal(0u, file.Mode & FileModes.SetGid);
    }

    [Fact]
    public void Chmod_ByNonOwner_ReturnsEperm_AndOwnerOutsideGroupLosesSetgid()
    {
        var h = new MetaHarness();
        var f = h.Create(Root, "f", 0x1A4, Alice).Inode!;
        Assert.Equal(Errno.EPERM, h.SetAttr(f.Ino, AttrFields.Mode, mode: 0x1FF, caller: Bob).Error);
        Assert.True(h.SetAttr(f.Ino, AttrFields.Gid, gid: 3000).Ok); // root gives it a group Alice is not in
        var chmod = h.SetAttr(f.Ino, AttrFields.Mode, mode: 0x5ED, caller: Alice); // 2755
        Assert.True(chmod.Ok);
        Assert.Equal(0x1EDu, chmod.Inode!.Mode & FileModes.PermissionMask);
    }

    [Fact]
    public void Chown_RulesForUsersAndRoot()
    {
        var h = new MetaHarness();
        var f = h.Create(Root, "f", 0x9ED, Bob).Inode!; // 4755 owned by Bob
        Assert.Equal(Errno.EPERM, h.SetAttr(f.Ino, AttrFields.Uid, uid: 1000, caller: Bob).Error);
        Assert.Equal(Errno.EPERM, h.SetAttr(f.Ino, AttrFields.Gid, gid: 3000, caller: Bob).Error);
        Assert.Equal(Errno.EPERM, h.SetAttr(f.Ino, AttrFields.Gid, gid: 2000, caller: Alice).Error);
        var chgrp = h.SetAttr(f.Ino, AttrFields.Gid, gid: 2000, caller: Bob);
        Assert.True(chgrp.Ok);
        Assert.Equal(0u, chgrp.Inode!.Mode & FileModes.SetUid); // chown drops setuid
        Assert.True(h.SetAttr(f.Ino, AttrFields.Uid, uid: 1000).Ok);
        Assert.Equal(1000u, h.Attr(f.Ino).Uid);
    }

    [Fact]
    public void Truncate_WithoutWritePermission_ReturnsEacces_UnlessThroughHandle()
    {
        var h = new MetaHarness();
        var f = h.Create(Root, "f", 0x1A4).Inode!; // 0644 root
        Assert.Equal(Errno.EACCES, h.SetAttr(f.Ino, AttrFields.Size, size: 10, caller: Alice).Error);
        Assert.True(h.Apply(new SetAttrCommand { Ino = f.Ino, Fields = AttrFields.Size, Size = 10, ThroughHandle = true }, Alice).Ok);
        Assert.Equal(10ul, h.Attr(f.Ino).Length);
    }

    [Fact]
    public void Utimes_ExplicitTimesNeedOwner_NowNeedsWrite()
    {
        var h = new MetaHarness();
        var f = h.Create(Root, "f", 0x1B6).Inode!; // 0666 root
        Assert.Equal(Errno.EPERM, h.Apply(new SetAttrCommand { Ino = f.Ino, Fields = AttrFields.Mtime, MtimeNs = 5 }, Alice).Error);
        Assert.True(h.Apply(new SetAttrCommand { Ino = f.Ino, Fields = AttrFields.MtimeNow | AttrFields.AtimeNow }, Alice).Ok);
        var set = h.Apply(new SetAttrCommand { Ino = f.Ino, Fields = AttrFields.Mtime | AttrFields.Atime, MtimeNs = -1_500_000_001, AtimeNs = 123_456_789 });
        Assert.Equal(-1_500_000_001, set.Inode!.MtimeNs);
        Assert.Equal(123_456_789, set.Inode!.AtimeNs);
    }

    [Fact]
    public void Xattrs_FlagsNamespacesAndPermissions()
    {
        var h = new MetaHarness();
        var f = h.Create(Root, "f", 0x1A4, Alice).Inode!;
        var link = h.Symlink(Root, "l", "f").Inode!;
        SetXattrCommand Set(ulong ino, string name, string value, int flags = 0) => new() { Ino = ino, Name = name, Value = N(value), Flags = flags };
        Assert.True(h.Apply(Set(f.Ino, "user.a", "1"), Alice).Ok);
        Assert.Equal(Errno.EEXIST, h.Apply(Set(f.Ino, "user.a", "2", 1), Alice).Error);
        Assert.Equal(Errno.ENODATA, h.Apply(Set(f.Ino, "user.b", "2", 2), Alice).Error);
        Assert.True(h.Apply(Set(f.Ino, "user.a", "3", 2), Alice).Ok);
        Assert.Equal(Errno.EACCES, h.Apply(Set(f.Ino, "user.x", "1"), Bob).Error);
        Assert.Equal(Errno.EPERM, h.Apply(Set(link.Ino, "user.x", "1")).Error);
        Assert.Equal(Errno.EPERM, h.Apply(Set(f.Ino, "trusted.t", "1"), Alice).Error);
        Assert.True(h.Apply(Set(f.Ino, "trusted.t", "1")).Ok);
        Assert.Equal(Errno.EOPNOTSUPP, h.Apply(Set(f.Ino, "system.posix_acl_access", "1")).Error);
        Assert.Equal(Errno.EOPNOTSUPP, h.Apply(Set(f.Ino, "bogus.x", "1")).Error);
        Assert.Equal(Errno.ERANGE, h.Apply(Set(f.Ino, "user." + new string('x', 251), "1")).Error);
        Assert.Equal(Errno.E2BIG, h.Apply(new SetXattrCommand { Ino = f.Ino, Name = "user.big", Value = new byte[65537] }).Error);

        var store = h.State.Store;
        Assert.Equal("3"u8.ToArray(), CurveFs.MetaServer.Partition.MetaQueries.GetXattr(store, Fs, f.Ino, "user.a", Bob).Value);
        Assert.Equal(["user.a"], CurveFs.MetaServer.Partition.MetaQueries.ListXattr(store, Fs, f.Ino, Alice).Value);
        Assert.Equal(["trusted.t", "user.a"], CurveFs.MetaServer.Partition.MetaQueries.ListXattr(store, Fs, f.Ino, Caller.Root).Value);
        Assert.True(h.Apply(new RemoveXattrCommand { Ino = f.Ino, Name = "user.a" }, Alice).Ok);
        Assert.Equal(Errno.ENODATA, h.Apply(new RemoveXattrCommand { Ino = f.Ino, Name = "user.a" }, Alice).Error);
        Assert.Equal(Errno.ENODATA, CurveFs.MetaServer.Partition.MetaQueries.GetXattr(store, Fs, f.Ino, "user.a", Alice).Error);
    }
}
