using CurveFs.Common.Fs;
using CurveFs.Common.Meta;
using CurveFs.MetaServer.Partition;
using Microsoft.Extensions.Logging;

namespace CurveFs.Mount.Meta.Transactions;

/// <summary>
/// Namespace operations whose halves live in different copysets (docs/design/cross-copyset-transactions.md):
/// read what the checks need, then run the halves as one transaction. A held lock is resolved and the
/// operation planned again; so is a prepare that found the state changed (EAGAIN).
/// </summary>
public sealed class CrossCopysetOperations(uint fsId, ICopysetAccess copysets, IInodeLocator locator, TxCoordinator coordinator, ILogger logger)
{
    private const int MaxAttempts = 50;
    private static readonly TimeSpan LockWait = TimeSpan.FromMilliseconds(100);

    /// <summary>mknod/mkdir/create/symlink with the new inode taken from a partition of <paramref name="inodeCopyset"/>.</summary>
    public ValueTask<MetaResult> CreateAsync(Caller caller, ulong parent, byte[] name, uint mode, ulong rdev, byte[]? symlinkTarget, uint inodeCopyset, CancellationToken cancellationToken = default) =>
        WithRetriesAsync(async () =>
        {
            var parentAttr = await GetAttrAsync(parent, cancellationToken).ConfigureAwait(false);
            if (!parentAttr.Ok) return Failed(parentAttr);
            var now = Clock.NowNs();
            var template = MetaStateMachine.NewInode(parentAttr.Inode!, caller, mode, rdev, symlinkTarget, now, out var error);
            if (error != Errno.Ok) return Plan.Fail(error);
            return new Plan([
                new TxPart(inodeCopyset, [new CreateInodeOp { Inode = template }]),
                new TxPart(locator.CopysetOf(parent), [new PutDentryOp { Parent = parent, Name = name, ChildType = template.Mode, ChildIsNew = true }]),
            ]);
        }, caller, cancellationToken);

    public ValueTask<MetaResult> LinkAsync(Caller caller, ulong ino, ulong newParent, byte[] newName, CancellationToken cancellationToken = default) =>
        WithRetriesAsync(async () =>
        {
            var target = await GetAttrAsync(ino, cancellationToken).ConfigureAwait(false);
            if (!target.Ok) return Failed(target);
            var inode = target.Inode!;
            if (inode.IsDirectory) return Plan.Fail(Errno.EPERM);
            return new Plan([
                new TxPart(locator.CopysetOf(newParent), [new PutDentryOp { Parent = newParent, Name = newName, Child = ino, ChildType = inode.Mode }]),
                new TxPart(locator.CopysetOf(ino), [new AdjustLinksOp { Ino = ino, Delta = 1, AddParent = newParent, ExpectUid = inode.Uid, ExpectType = inode.Mode }]),
            ]);
        }, caller, cancellationToken);

    /// <summary>unlink (rmdir false) or rmdir (true) of a child living in another copyset than its parent.</summary>
    public ValueTask<MetaResult> RemoveAsync(Caller caller, ulong parent, byte[] name, bool rmdir, CancellationToken cancellationToken = default) =>
        WithRetriesAsync(async () =>
        {
            var entry = await DentryAsync(caller, parent, name, cancellationToken).ConfigureAwait(false);
            if (!entry.Ok) return Failed(entry);
            var child = await GetAttrAsync(entry.Dentry!.Value.Ino, cancellationToken).ConfigureAwait(false);
            if (!child.Ok) return Failed(child);
            var victim = child.Inode!;
            return new Plan([
                new TxPart(locator.CopysetOf(parent), [new DeleteDentryOp { Parent = parent, Name = name, ExpectChild = victim.Ino, ChildUid = victim.Uid, ChildType = victim.Mode, Rmdir = rmdir }]),
                new TxPart(locator.CopysetOf(victim.Ino), [new AdjustLinksOp
                {
                    Ino = victim.Ino, Delta = -1, ToZero = victim.IsDirectory, RemoveParent = parent,
                    ExpectUid = victim.Uid, ExpectType = victim.Mode, RequireEmpty = rmdir && victim.IsDirectory,
                }]),
            ]);
        }, caller, cancellationToken);

    /// <summary>rename(2)/renameat2(2) whose parents, moved inode or replaced inode span copysets.</summary>
    public ValueTask<MetaResult> RenameAsync(Caller caller, ulong parent, byte[] name, ulong newParent, byte[] newName, uint flags, CancellationToken cancellationToken = default) =>
        WithRetriesAsync(async () =>
        {
            var exchange = (flags & RenameCommand.Exchange) != 0;
            if ((flags & ~(RenameCommand.NoReplace | RenameCommand.Exchange)) != 0 || flags == (RenameCommand.NoReplace | RenameCommand.Exchange)) return Plan.Fail(Errno.EINVAL);
            var srcEntry = await DentryAsync(caller, parent, name, cancellationToken).ConfigureAwait(false);
            if (!srcEntry.Ok) return Failed(srcEntry);
            var dstEntry = await DentryAsync(caller, newParent, newName, cancellationToken).ConfigureAwait(false);
            if (!dstEntry.Ok && dstEntry.Error != Errno.ENOENT) return Failed(dstEntry);
            var hasDst = dstEntry.Ok;
            if ((flags & RenameCommand.NoReplace) != 0 && hasDst) return Plan.Fail(Errno.EEXIST);
            if (exchange && !hasDst) return Plan.Fail(Errno.ENOENT);
            var srcAttr = await GetAttrAsync(srcEntry.Dentry!.Value.Ino, cancellationToken).ConfigureAwait(false);
            if (!srcAttr.Ok) return Failed(srcAttr);
            var src = srcAttr.Inode!;
            InodeRecord? dst = null;
            if (hasDst)
            {
                var dstAttr = await GetAttrAsync(dstEntry.Dentry!.Value.Ino, cancellationToken).ConfigureAwait(false);
                if (!dstAttr.Ok) return Failed(dstAttr);
                dst = dstAttr.Inode!;
            }
            if (src.IsDirectory && parent != newParent)
            {
                var cycle = await IsAncestorOrSelfAsync(src.Ino, newParent, cancellationToken).ConfigureAwait(false);
                if (!cycle.Ok) return Plan.Fail(cycle.Error);
                if (cycle.Value) return Plan.Fail(Errno.EINVAL);
            }
            if (dst is not null && dst.IsDirectory && parent != newParent)
            {
                var cycle = await IsAncestorOrSelfAsync(dst.Ino, parent, cancellationToken).ConfigureAwait(false);
                if (!cycle.Ok) return Plan.Fail(cycle.Error);
                if (cycle.Value) return Plan.Fail(exchange ? Errno.EINVAL : Errno.ENOTEMPTY);
            }
            if (dst is not null && dst.Ino == src.Ino) return Plan.Done(MetaResult.Of(src));

            var parts = new List<(uint Copyset, TxOp Op)>
            {
                (locator.CopysetOf(newParent), new PutDentryOp
                {
                    Parent = newParent, Name = newName, Child = src.Ino, ChildType = src.Mode,
                    Replaces = dst?.Ino, ReplacedUid = dst?.Uid ?? 0, ReplacedType = dst?.Mode ?? 0, Exchange = exchange,
                }),
            };
            if (exchange)
            {
                parts.Add((locator.CopysetOf(parent), new PutDentryOp
                {
                    Parent = parent, Name = name, Child = dst!.Ino, ChildType = dst.Mode,
                    Replaces = src.Ino, ReplacedUid = src.Uid, ReplacedType = src.Mode, Exchange = true,
                }));
                parts.Add((locator.CopysetOf(dst.Ino), new ReparentOp { Ino = dst.Ino, OldParent = newParent, NewParent = parent, ExpectType = dst.Mode }));
            }
            else
            {
                parts.Add((locator.CopysetOf(parent), new DeleteDentryOp { Parent = parent, Name = name, ExpectChild = src.Ino, ChildUid = src.Uid, ChildType = src.Mode }));
                if (dst is not null)
                    parts.Add((locator.CopysetOf(dst.Ino), new AdjustLinksOp
                    {
                        Ino = dst.Ino, Delta = -1, ToZero = dst.IsDirectory, RemoveParent = newParent,
                        ExpectUid = dst.Uid, ExpectType = dst.Mode, RequireEmpty = dst.IsDirectory,
                    }));
            }
            parts.Add((locator.CopysetOf(src.Ino), new ReparentOp { Ino = src.Ino, OldParent = parent, NewParent = newParent, ExpectType = src.Mode }));
            // The new parent's copyset comes first, so it is the primary (the coordinator merges same-copyset parts).
            return new Plan(parts.Select(p => new TxPart(p.Copyset, [p.Op])).ToList()) { Other = dst };
        }, caller, cancellationToken);

    /// <summary>What an attempt decided: run these parts, or answer now.</summary>
    private sealed record Plan(List<TxPart> Parts)
    {
        public MetaResult? Answer { get; init; }
        /// <summary>The replaced inode of a rename (the caller purges it when its last link went).</summary>
        public InodeRecord? Other { get; init; }
        public static Plan Fail(Errno error) => new([]) { Answer = MetaResult.Fail(error) };
        public static Plan Done(MetaResult result) => new([]) { Answer = result };
    }

    private async ValueTask<MetaResult> WithRetriesAsync(Func<Task<Plan>> plan, Caller caller, CancellationToken cancellationToken)
    {
        // Attempts that lost to a changing namespace are counted; waiting on a lock is not an attempt while the
        // coordinator's lock patience lasts (a dead client's lock becomes resolvable within it).
        var started = Environment.TickCount64;
        var attempts = 0;
        while (attempts < MaxAttempts)
        {
            Plan planned;
            try
            {
                planned = await plan().ConfigureAwait(false);
            }
            catch (LockedException locked)
            {
                await ResolveOrWaitAsync(locked.Lock, locked.Copyset, cancellationToken).ConfigureAwait(false);
                if (!coordinator.StillPatient(started)) attempts++;
                continue;
            }
            if (planned.Answer is { } answer) return answer;
            var (result, failedCopyset) = await coordinator.RunAsync(fsId, caller, planned.Parts, cancellationToken).ConfigureAwait(false);
            if (result.Error != Errno.EAGAIN)
            {
                if (result.Ok && planned.Other is { } replaced)
                {
                    var after = await GetAttrAsync(replaced.Ino, cancellationToken).ConfigureAwait(false);
                    if (after.Ok) result.Other = after.Inode;
                }
                return result;
            }
            if (result.LockedBy is { } held)
            {
                await ResolveOrWaitAsync(held, failedCopyset, cancellationToken).ConfigureAwait(false);
                if (!coordinator.StillPatient(started)) attempts++;
            }
            else
            {
                await Task.Delay(LockWait, cancellationToken).ConfigureAwait(false);
                attempts++;
            }
        }
        logger.LogError("gave up after {Attempts} attempts: the namespace kept changing or stayed locked", MaxAttempts);
        return MetaResult.Fail(Errno.EIO);
    }

    private async ValueTask ResolveOrWaitAsync(TxLock held, uint lockedCopyset, CancellationToken cancellationToken)
    {
        if (!await coordinator.ResolveAsync(fsId, held, lockedCopyset, cancellationToken).ConfigureAwait(false))
            await Task.Delay(LockWait, cancellationToken).ConfigureAwait(false);
    }

    private sealed class LockedException(TxLock held, uint copyset) : Exception
    {
        public TxLock Lock { get; } = held;
        public uint Copyset { get; } = copyset;
    }

    private async ValueTask<QueryResult> QueryAsync(uint copyset, MetaQuery query, CancellationToken cancellationToken)
    {
        query.FsId = fsId;
        var result = await copysets.QueryAsync(copyset, query, cancellationToken).ConfigureAwait(false);
        if (result.Error == Errno.EAGAIN && result.LockedBy is { } held) throw new LockedException(held, copyset);
        return result;
    }

    private ValueTask<QueryResult> GetAttrAsync(ulong ino, CancellationToken cancellationToken) =>
        QueryAsync(locator.CopysetOf(ino), new GetAttrQuery { Ino = ino }, cancellationToken);

    private ValueTask<QueryResult> DentryAsync(Caller caller, ulong parent, byte[] name, CancellationToken cancellationToken) =>
        QueryAsync(locator.CopysetOf(parent), new DentryQuery { Parent = parent, Name = name, Caller = caller }, cancellationToken);

    private static Plan Failed(QueryResult result) => Plan.Fail(result.Error);

    /// <summary>Whether ancestor is ino or one of its ancestors, walking parents across copysets.</summary>
    private async ValueTask<Result<bool>> IsAncestorOrSelfAsync(ulong ancestor, ulong ino, CancellationToken cancellationToken)
    {
        for (var depth = 0; depth < 100_000; depth++)
        {
            if (ino == ancestor) return true;
            if (ino == Limits.RootInode) return false;
            var attr = await GetAttrAsync(ino, cancellationToken).ConfigureAwait(false);
            if (!attr.Ok) return attr.Error;
            if (attr.Inode!.Parents.Count == 0) return false;
            ino = attr.Inode.Parents[0];
        }
        return false;
    }
}
