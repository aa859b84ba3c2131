using CurveFs.Common.Fs;
using CurveFs.Common.Meta;
using static CurveFs.Tests.Transactions.MultiCopysetHarness;

namespace CurveFs.Tests.Transactions;

public class CrossCopysetOperationTests
{
    private const ulong Root = Limits.RootInode;
    private static readonly Caller Alice = new(1000, 1000, []);

    private static ulong Mkdir(MultiCopysetHarness h, ulong parent, string name, uint copyset)
    {
        var result = h.Operations.CreateAsync(Caller.Root, parent, N(name), FileModes.Directory | 0x1FF, 0, null, copyset).AsTask().Result;
        Assert.True(result.Ok, $"mkdir {name}: {result.Error}");
        return result.Inode!.Ino;
    }

    private static ulong Create(MultiCopysetHarness h, ulong parent, string name, uint copyset, Caller? caller = null)
    {
        var result = h.Operations.CreateAsync(caller ?? Caller.Root, parent, N(name), FileModes.Regular | 0x1A4, 0, null, copyset).AsTask().Result;
        Assert.True(result.Ok, $"create {name}: {result.Error}");
        return result.Inode!.Ino;
    }

    [Fact]
    public async Task Create_InodeInAnotherCopyset_DentryAndInodeBothPresent_LinkCountsRight()
    {
        var h = new MultiCopysetHarness();
        var dir = Mkdir(h, Root, "d", copyset: 2);
        Assert.Equal(2u, h.CopysetOf(dir));
        Assert.Equal(dir, h.Child(Root, "d"));
        Assert.Equal(3u, h.Attr(Root).Nlink);
        Assert.Equal([Root], h.Attr(dir).Parents);
        var file = Create(h, dir, "f", copyset: 3);
        Assert.Equal(3u, h.CopysetOf(file));
        Assert.Equal(file, h.Child(dir, "f"));
        Assert.Empty(h.Check());
        Assert.Equal(Errno.EEXIST, (await h.Operations.CreateAsync(Caller.Root, dir, N("f"), FileModes.Regular | 0x1A4, 0, null, 1)).Error);
        Assert.Empty(h.Check()); // the failed create left no lock and no half
    }

    [Fact]
    public async Task LinkUnlinkRmdir_AcrossCopysets_FollowPosix()
    {
        var h = new MultiCopysetHarness();
        var dir = Mkdir(h, Root, "d", 2);
        var file = Create(h, dir, "f", 3);
        Assert.True((await h.Operations.LinkAsync(Caller.Root, file, Root, N("hard"))).Ok);
        Assert.Equal(2u, h.Attr(file).Nlink);
        Assert.Equal(Errno.EPERM, (await h.Operations.LinkAsync(Caller.Root, dir, Root, N("dirlink"))).Error);
        Assert.Equal(Errno.ENOTEMPTY, (await h.Operations.RemoveAsync(Caller.Root, Root, N("d"), rmdir: true)).Error);
        Assert.Equal(Errno.EISDIR, (await h.Operations.RemoveAsync(Caller.Root, Root, N("d"), rmdir: false)).Error);
        Assert.Equal(Errno.ENOTDIR, (await h.Operations.RemoveAsync(Caller.Root, Root, N("hard"), rmdir: true)).Error);
        Assert.True((await h.Operations.RemoveAsync(Caller.Root, dir, N("f"), rmdir: false)).Ok);
        Assert.Equal(1u, h.Attr(file).Nlink);
        Assert.True((await h.Operations.RemoveAsync(Caller.Root, Root, N("hard"), rmdir: false)).Ok);
        Assert.Equal(0u, h.Attr(file).Nlink);
        Assert.True((await h.Operations.RemoveAsync(Caller.Root, Root, N("d"), rmdir: true)).Ok);
        Assert.Equal(2u, h.Attr(Root).Nlink);
        Assert.Empty(h.Check());
    }

    [Fact]
    public async Task Permissions_AndStickyRule_ApplyAcrossCopysets()
    {
        var h = new MultiCopysetHarness();
        var tmp = Mkdir(h, Root, "tmp", 2);
        Assert.True((await h.ExecuteAsync(2, new SetAttrCommand { Ino = tmp, Fields = AttrFields.Mode, Mode = 0x3FF })).Ok); // 1777
        var rootsFile = Create(h, tmp, "rootfile", 3);
        Assert.Equal(Errno.EPERM, (await h.Operations.RemoveAsync(Alice, tmp, N("rootfile"), rmdir: false)).Error);
        var alices = Create(h, tmp, "alices", 1, Alice);
        Assert.True((await h.Operations.RemoveAsync(Alice, tmp, N("alices"), rmdir: false)).Ok);
        Assert.Equal(0u, h.Attr(alices).Nlink);
        Assert.Equal(1u, h.Attr(rootsFile).Nlink);
        var locked = Mkdir(h, Root, "locked", 3);
        Assert.True((await h.ExecuteAsync(3, new SetAttrCommand { Ino = locked, Fields = AttrFields.Mode, Mode = 0x1ED })).Ok); // 755 root
        Assert.Equal(Errno.EACCES, (await h.Operations.CreateAsync(Alice, locked, N("x"), FileModes.Regular | 0x1A4, 0, null, 1)).Error);
        Assert.Empty(h.Check());
    }

    [Fact]
    public async Task Rename_AcrossCopysets_ReplacesMovesAndRejectsCycles()
    {
        var h = new MultiCopysetHarness();
        var a = Mkdir(h, Root, "a", 2);
        var b = Mkdir(h, a, "b", 3);
        var file = Create(h, a, "file", 1);
        var victim = Create(h, Root, "victim", 3);
        var moved = (await h.Operations.RenameAsync(Caller.Root, a, N("file"), Root, N("victim"), 0));
        Assert.True(moved.Ok);
        Assert.Equal(file, h.Child(Root, "victim"));
        Assert.Null(h.Child(a, "file"));
        Assert.Equal([Root], h.Attr(file).Parents);
        Assert.Equal(0u, moved.Other!.Nlink);
        Assert.Equal(victim, moved.Other.Ino);
        Assert.Equal(Errno.EINVAL, (await h.Operations.RenameAsync(Caller.Root, Root, N("a"), b, N("loop"), 0)).Error);
        Assert.True((await h.Operations.RenameAsync(Caller.Root, a, N("b"), Root, N("b2"), 0)).Ok);
        Assert.Equal(3u, h.Attr(Root).Nlink + 0 - 1); // root: ., a, b2 => 4
        Assert.Equal(2u, h.Attr(a).Nlink);
        Assert.Equal(Errno.EEXIST, (await h.Operations.RenameAsync(Caller.Root, Root, N("b2"), Root, N("a"), RenameCommand.NoReplace)).Error);
        Assert.Equal(Errno.ENOTDIR, (await h.Operations.RenameAsync(Caller.Root, Root, N("b2"), Root, N("victim"), 0)).Error);
        Assert.True((await h.Operations.RenameAsync(Caller.Root, Root, N("b2"), Root, N("victim"), RenameCommand.Exchange)).Ok);
        Assert.Equal(b, h.Child(Root, "victim"));
        Assert.Equal(file, h.Child(Root, "b2"));
        Assert.Empty(h.Check());
    }

    [Theory]
    [InlineData("prepared:0", false)]
    [InlineData("prepared:1", false)]
    [InlineData("committed-primary", true)]
    public async Task CoordinatorCrash_AtEachStep_LeavesExactlyOldOrNewName(string step, bool committed)
    {
        var h = new MultiCopysetHarness(resolveTimeout: TimeSpan.FromMilliseconds(100));
        var dir = Mkdir(h, Root, "dir", 2);
        var file = Create(h, dir, "old", 1);
        await Assert.ThrowsAsync<MultiCopysetHarness.CoordinatorCrash>(async () => await h.CrashingAt(step).RenameAsync(Caller.Root, dir, N("old"), Root, N("new"), 0));
        // Until resolved, the names involved are locked: readers and writers get EAGAIN with the lock.
        var blocked = (await h.QueryAsync(2, new DentryQuery { Parent = dir, Name = N("old") }));
        var blocked2 = (await h.QueryAsync(1, new DentryQuery { Parent = Root, Name = N("new") }));
        Assert.True(blocked.Error == Errno.EAGAIN || blocked2.Error == Errno.EAGAIN);
        await Task.Delay(150);
        // Any later operation on those names resolves the transaction first.
        var probe = (await h.Operations.CreateAsync(Caller.Root, Root, N("probe"), FileModes.Regular | 0x1A4, 0, null, 2));
        Assert.True(probe.Ok);
        Assert.True((await h.Operations.RenameAsync(Caller.Root, Root, N("probe"), dir, N("probe"), 0)).Ok);
        var oldName = h.Child(dir, "old");
        var newName = h.Child(Root, "new");
        Assert.True((oldName is null) != (newName is null), $"old {oldName}, new {newName}");
        Assert.Equal(committed ? file : null, newName);
        Assert.Equal(committed ? null : file, oldName);
        Assert.Equal(committed ? [Root] : [dir], h.Attr(file).Parents);
        Assert.Empty(h.Check());
    }

    [Fact]
    public async Task RandomRenameStorm_WithCrashes_EndsWithoutDamage()
    {
        var h = new MultiCopysetHarness(resolveTimeout: TimeSpan.FromMilliseconds(20));
        var random = new Random(42);
        var dirs = new List<ulong> { Root };
        for (var i = 0; i < 6; i++) dirs.Add(Mkdir(h, dirs[random.Next(dirs.Count)], $"d{i}", (uint)random.Next(1, 4)));
        for (var i = 0; i < 30; i++) Create(h, dirs[random.Next(dirs.Count)], $"f{i}", (uint)random.Next(1, 4));
        var steps = new[] { "prepared:0", "prepared:1", "prepared:2", "committed-primary", "committed:1" };
        var succeeded = 0;
        for (var i = 0; i < 400; i++)
        {
            // The source is an existing entry (most of the time), the target any name in any directory.
            var existing = h.AllDentries();
            var (from, name, _) = random.Next(10) == 0 || existing.Count == 0
                ? (dirs[random.Next(dirs.Count)], $"f{random.Next(30)}", 0UL)
                : existing[random.Next(existing.Count)];
            var to = dirs[random.Next(dirs.Count)];
            var target = random.Next(3) == 0 ? $"d{random.Next(6)}" : $"f{random.Next(30)}";
            var ops = random.Next(5) == 0 ? h.CrashingAt(steps[random.Next(steps.Length)]) : h.Operations;
            try
            {
                if ((await ops.RenameAsync(Caller.Root, from, N(name), to, N(target), random.Next(8) == 0 ? RenameCommand.Exchange : 0)).Ok) succeeded++;
            }
            catch (MultiCopysetHarness.CoordinatorCrash)
            {
            }
            if (random.Next(4) == 0) await Task.Delay(25); // let crashed transactions age past the resolve timeout
            if (Environment.GetEnvironmentVariable("CURVEFS_STORM_DEBUG") is not null)
            {
                await Task.Delay(25);
                foreach (var (id, state) in h.Copysets)
                foreach (var pair in state.Store.Scan("L:"u8.ToArray(), "L;"u8.ToArray()))
                    await h.Coordinator.ResolveAsync(Fs, MetaCodec.Decode<TxLock>(pair.Value), id);
                var problems = h.Check();
                if (problems.Count > 0) problems.Add("dentries: " + string.Join(",", h.AllDentries().Select(d => $"{d.Parent}/{d.Name}->{d.Child}")));
                Assert.True(problems.Count == 0, $"after step {i}: rename {from}/{name} -> {to}/{target}: {string.Join("; ", problems)}");
            }
        }
        // Touch every directory so that any transaction left behind is resolved, then check.
        await Task.Delay(50);
        foreach (var dir in dirs)
        {
            var probe = (await h.Operations.CreateAsync(Caller.Root, dir, N("final-probe"), FileModes.Regular | 0x1A4, 0, null, 1));
            if (probe.Ok) continue;
            Assert.True(probe.Error is Errno.ENOENT, $"probe in {dir}: {probe.Error}"); // the directory itself may have been replaced away
        }
        var report = await new CurveFs.Mount.Admin.Fsck(Fs, h, h, h.Coordinator).RunAsync([1, 2, 3], resolveTransactions: true);
        Assert.True(report.Clean, string.Join("\n", report.Problems));
        Assert.True(report.Inodes > 30);
        Assert.True(succeeded > 40, $"only {succeeded} renames succeeded: the storm exercised little");
        var reachable = h.AllDentries().Where(d => d.Name.StartsWith('f') && d.Name != "final-probe").Select(d => d.Child).ToList();
        Assert.Equal(reachable.Count, reachable.Distinct().Count());
    }
}

public class RemoteInodeTests
{
    [Fact]
    public async Task SingleCopysetCommands_OnARemoteChild_AnswerExdev_AndLookupHandsBackTheDentry()
    {
        var h = new MultiCopysetHarness();
        var file = (await h.Operations.CreateAsync(Caller.Root, Limits.RootInode, MultiCopysetHarness.N("f"), FileModes.Regular | 0x1A4, 0, null, 2)).Inode!.Ino;
        Assert.Equal(2u, h.CopysetOf(file));
        var lookup = await h.QueryAsync(1, new LookupQuery { Parent = Limits.RootInode, Name = MultiCopysetHarness.N("f") });
        Assert.Equal(Errno.EXDEV, lookup.Error);
        Assert.Equal(file, lookup.Dentry!.Value.Ino);
        Assert.Equal(Errno.EXDEV, (await h.ExecuteAsync(1, new UnlinkCommand { Parent = Limits.RootInode, Name = MultiCopysetHarness.N("f") })).Error);
        Assert.Equal(Errno.EXDEV, (await h.ExecuteAsync(1, new LinkCommand { Ino = file, NewParent = Limits.RootInode, NewName = MultiCopysetHarness.N("g") })).Error);
        Assert.Equal(Errno.EXDEV, (await h.ExecuteAsync(1, new RenameCommand { Parent = Limits.RootInode, Name = MultiCopysetHarness.N("f"), NewParent = Limits.RootInode, NewName = MultiCopysetHarness.N("h") })).Error);
        Assert.Equal(Errno.ENOENT, (await h.ExecuteAsync(1, new UnlinkCommand { Parent = Limits.RootInode, Name = MultiCopysetHarness.N("missing") })).Error);
        Assert.Empty(h.Check());
    }
}

public class FsckTests
{
    [Fact]
    public async Task Fsck_FindsBrokenLinkCountsMissingInodesAndLeftoverLocks()
    {
        var h = new MultiCopysetHarness(resolveTimeout: TimeSpan.FromMilliseconds(10));
        var dir = (await h.Operations.CreateAsync(Caller.Root, Limits.RootInode, MultiCopysetHarness.N("d"), FileModes.Directory | 0x1ED, 0, null, 2)).Inode!.Ino;
        var file = (await h.Operations.CreateAsync(Caller.Root, dir, MultiCopysetHarness.N("f"), FileModes.Regular | 0x1A4, 0, null, 3)).Inode!.Ino;
        Assert.Empty(h.Check());
        // damage: a dentry to nowhere, and a link count that lies
        var store1 = h.Copysets[1].Store;
        store1.Put(MetaKeys.DentryKey(MultiCopysetHarness.Fs, Limits.RootInode, "ghost"u8), MetaCodec.Encode(new DentryValue(2999, FileModes.Regular)));
        var inode = MetaCodec.Decode<InodeRecord>(h.Copysets[3].Store.Get(MetaKeys.InodeKey(MultiCopysetHarness.Fs, file))!);
        inode.Nlink = 5;
        h.Copysets[3].Store.Put(MetaKeys.InodeKey(MultiCopysetHarness.Fs, file), MetaCodec.Encode(inode));
        await Assert.ThrowsAsync<MultiCopysetHarness.CoordinatorCrash>(async () => await h.CrashingAt("prepared:1").RenameAsync(Caller.Root, dir, MultiCopysetHarness.N("f"), Limits.RootInode, MultiCopysetHarness.N("g"), 0));
        var problems = h.Check();
        Assert.Contains(problems, p => p.StartsWith("missing-inode"));
        Assert.Contains(problems, p => p.StartsWith("link-count") && p.Contains($"inode {file}"));
        Assert.Contains(problems, p => p.StartsWith("locked"));
        Assert.Contains(problems, p => p.StartsWith("prepared-transaction"));
        await Task.Delay(20);
        var repaired = await new CurveFs.Mount.Admin.Fsck(MultiCopysetHarness.Fs, h, h, h.Coordinator).RunAsync([1, 2, 3], resolveTransactions: true);
        Assert.Equal(1, repaired.ResolvedTransactions);
        Assert.DoesNotContain(repaired.Problems, p => p.Kind is "locked" or "prepared-transaction");
    }
}
