using CurveFs.Common.Fs;
using CurveFs.Common.Meta;
using CurveFs.MetaServer.Storage;

namespace CurveFs.MetaServer.Partition;

// The halves of namespace operations that a transaction runs in one participant. Prepare checks the
// same POSIX rules as the single-copyset commands (with the same helpers, in the same order) plus
// the expectations the coordinator read elsewhere, and names the keys to lock; apply changes them.
// EAGAIN from a prepare means "what you read has changed": the coordinator plans again.
public sealed partial class MetaStateMachine
{
    private static MetaResult PrepareOp(TxContext ctx, TxOp op, List<byte[]> locked) => op switch
    {
        PutDentryOp o => PreparePutDentry(ctx, o, locked),
        DeleteDentryOp o => PrepareDeleteDentry(ctx, o, locked),
        CreateInodeOp o => PrepareCreateInode(ctx, o, locked),
        AdjustLinksOp o => PrepareAdjustLinks(ctx, o, locked),
        ReparentOp o => PrepareReparent(ctx, o, locked),
        _ => MetaResult.Fail(Errno.ENOSYS),
    };

    /// <summary>Applies a prepared half; returns the inode it changed or created, if any.</summary>
    private static InodeRecord? ApplyOp(TxContext ctx, TxOp op) => op switch
    {
        PutDentryOp o => ApplyPutDentry(ctx, o),
        DeleteDentryOp o => ApplyDeleteDentry(ctx, o),
        CreateInodeOp o => ApplyCreateInode(ctx, o),
        AdjustLinksOp o => ApplyAdjustLinks(ctx, o),
        ReparentOp o => ApplyReparent(ctx, o),
        _ => null,
    };

    private static MetaResult PreparePutDentry(TxContext ctx, PutDentryOp o, List<byte[]> locked)
    {
        var (kv, fs, caller) = (ctx.Kv, ctx.Fs, ctx.Caller);
        var error = LoadDirectory(kv, fs, o.Parent, out var parent);
        if (error != Errno.Ok) return MetaResult.Fail(error);
        if ((error = Permissions.Check(parent, caller, AccessMask.Execute)) != Errno.Ok) return MetaResult.Fail(error);
        if (MetaStore.IsDotOrDotDot(o.Name)) return MetaResult.Fail(Errno.EEXIST);
        if ((error = MetaStore.ValidateName(o.Name)) != Errno.Ok) return MetaResult.Fail(error);
        var existing = MetaStore.LoadDentry(kv, fs, o.Parent, o.Name);
        var childIsDir = FileModes.IsDirectory(o.ChildType);
        if (o.Replaces is not { } replaced)
        {
            if (existing is not null) return MetaResult.Fail(Errno.EEXIST);
            if ((error = Permissions.Check(parent, caller, AccessMask.Write | AccessMask.Execute)) != Errno.Ok) return MetaResult.Fail(error);
            if (childIsDir && parent.Nlink >= Limits.LinkMax) return MetaResult.Fail(Errno.EMLINK);
        }
        else
        {
            if (existing is not { } entry || entry.Ino != replaced) return MetaResult.Fail(Errno.EAGAIN);
            var victim = new InodeRecord { Ino = replaced, Uid = o.ReplacedUid, Mode = o.ReplacedType };
            if ((error = MayDelete(parent, victim, caller, o.Exchange ? victim.IsDirectory : childIsDir)) != Errno.Ok) return MetaResult.Fail(error);
        }
        locked.Add(MetaKeys.DentryKey(fs, o.Parent, o.Name));
        locked.Add(MetaKeys.InodeKey(fs, o.Parent));
        return MetaResult.Success;
    }

    private static InodeRecord ApplyPutDentry(TxContext ctx, PutDentryOp o)
    {
        var parent = MetaStore.LoadInode(ctx.Kv, ctx.Fs, o.Parent)!;
        ctx.Kv.Put(MetaKeys.DentryKey(ctx.Fs, o.Parent, o.Name), MetaCodec.Encode(new DentryValue(o.Child, FileModes.Type(o.ChildType))));
        var childIsDir = FileModes.IsDirectory(o.ChildType);
        var replacedDir = o.Replaces is not null && FileModes.IsDirectory(o.ReplacedType);
        if (childIsDir && !replacedDir) parent.Nlink++;
        if (!childIsDir && replacedDir) parent.Nlink--; // only an exchange can put a file where a directory was
        TouchDirectory(parent, ctx.Now);
        MetaStore.StoreInode(ctx.Kv, parent);
        return parent;
    }

    private static MetaResult PrepareDeleteDentry(TxContext ctx, DeleteDentryOp o, List<byte[]> locked)
    {
        var (kv, fs, caller) = (ctx.Kv, ctx.Fs, ctx.Caller);
        var error = LoadDirectory(kv, fs, o.Parent, out var parent);
        if (error != Errno.Ok) return MetaResult.Fail(error);
        if ((error = Permissions.Check(parent, caller, AccessMask.Execute)) != Errno.Ok) return MetaResult.Fail(error);
        if (MetaStore.IsDotOrDotDot(o.Name)) return MetaResult.Fail(o.Rmdir == true ? Errno.EINVAL : Errno.EISDIR);
        if ((error = MetaStore.ValidateName(o.Name)) != Errno.Ok) return MetaResult.Fail(error);
        if (MetaStore.LoadDentry(kv, fs, o.Parent, o.Name) is not { } entry) return MetaResult.Fail(Errno.ENOENT);
        if (entry.Ino != o.ExpectChild) return MetaResult.Fail(Errno.EAGAIN);
        var victim = new InodeRecord { Ino = o.ExpectChild, Uid = o.ChildUid, Mode = o.ChildType };
        if ((error = MayDelete(parent, victim, caller, o.Rmdir ?? victim.IsDirectory)) != Errno.Ok) return MetaResult.Fail(error);
        locked.Add(MetaKeys.DentryKey(fs, o.Parent, o.Name));
        locked.Add(MetaKeys.InodeKey(fs, o.Parent));
        return MetaResult.Success;
    }

    private static InodeRecord ApplyDeleteDentry(TxContext ctx, DeleteDentryOp o)
    {
        var parent = MetaStore.LoadInode(ctx.Kv, ctx.Fs, o.Parent)!;
        MetaStore.DeleteDentry(ctx.Kv, ctx.Fs, o.Parent, o.Name);
        if (FileModes.IsDirectory(o.ChildType)) parent.Nlink--;
        TouchDirectory(parent, ctx.Now);
        MetaStore.StoreInode(ctx.Kv, parent);
        return parent;
    }

    private static MetaResult PrepareCreateInode(TxContext ctx, CreateInodeOp o, List<byte[]> locked)
    {
        var mode = o.Inode.Mode;
        if (!FileModes.IsValidType(mode)) return MetaResult.Fail(Errno.EINVAL);
        // The ID is taken now (a partition of this copyset); an abort only skips it.
        var allocated = AllocateInode(ctx.Kv, ctx.Fs, o.Inode.Parents.FirstOrDefault(), out var ino);
        if (!allocated.Ok) return allocated;
        o.Inode.FsId = ctx.Fs;
        o.Inode.Ino = ino;
        locked.Add(MetaKeys.InodeKey(ctx.Fs, ino));
        return MetaResult.Success;
    }

    private static InodeRecord ApplyCreateInode(TxContext ctx, CreateInodeOp o)
    {
        var inode = o.Inode.Clone();
        MetaStore.StoreInode(ctx.Kv, inode);
        return inode;
    }

    private static MetaResult PrepareAdjustLinks(TxContext ctx, AdjustLinksOp o, List<byte[]> locked)
    {
        var inode = MetaStore.LoadInode(ctx.Kv, ctx.Fs, o.Ino);
        if (inode is null || inode.Uid != o.ExpectUid || FileModes.Type(inode.Mode) != FileModes.Type(o.ExpectType)) return MetaResult.Fail(Errno.EAGAIN);
        if (o.Delta > 0)
        {
            if (inode.IsDirectory) return MetaResult.Fail(Errno.EPERM);
            if (inode.Nlink == 0) return MetaResult.Fail(Errno.ENOENT);
            if (inode.Nlink >= Limits.LinkMax) return MetaResult.Fail(Errno.EMLINK);
        }
        if (o.RequireEmpty && MetaStore.HasEntries(ctx.Kv, ctx.Fs, o.Ino)) return MetaResult.Fail(Errno.ENOTEMPTY);
        locked.Add(MetaKeys.InodeKey(ctx.Fs, o.Ino));
        return MetaResult.Success;
    }

    private static InodeRecord ApplyAdjustLinks(TxContext ctx, AdjustLinksOp o)
    {
        var inode = MetaStore.LoadInode(ctx.Kv, ctx.Fs, o.Ino)!;
        if (o.ToZero || inode.IsDirectory && o.Delta < 0) inode.Nlink = 0;
        else inode.Nlink = (uint)Math.Max(0, (long)inode.Nlink + o.Delta);
        if (o.AddParent is { } add) inode.Parents.Add(add);
        if (o.RemoveParent is { } remove) inode.Parents.Remove(remove);
        inode.CtimeNs = ctx.Now;
        MetaStore.StoreInode(ctx.Kv, inode);
        if (inode.Nlink == 0) ctx.Kv.Put(MetaKeys.OrphanKey(ctx.Fs, inode.Ino), []);
        return inode;
    }

    private static MetaResult PrepareReparent(TxContext ctx, ReparentOp o, List<byte[]> locked)
    {
        var inode = MetaStore.LoadInode(ctx.Kv, ctx.Fs, o.Ino);
        if (inode is null || FileModes.Type(inode.Mode) != FileModes.Type(o.ExpectType)) return MetaResult.Fail(Errno.EAGAIN);
        if (inode.IsDirectory && o.OldParent != o.NewParent)
        {
            var error = Permissions.Check(inode, ctx.Caller, AccessMask.Write);
            if (error != Errno.Ok) return MetaResult.Fail(error);
        }
        locked.Add(MetaKeys.InodeKey(ctx.Fs, o.Ino));
        return MetaResult.Success;
    }

    private static InodeRecord ApplyReparent(TxContext ctx, ReparentOp o)
    {
        var inode = MetaStore.LoadInode(ctx.Kv, ctx.Fs, o.Ino)!;
        ReplaceParent(inode, o.OldParent, o.NewParent);
        inode.CtimeNs = ctx.Now;
        MetaStore.StoreInode(ctx.Kv, inode);
        return inode;
    }
}
