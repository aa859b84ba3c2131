using CurveFs.Common.Fs;
using CurveFs.Common.Meta;
using CurveFs.MetaServer.Storage;

namespace CurveFs.MetaServer.Partition;

// rename(2) and renameat2(2) with RENAME_NOREPLACE and RENAME_EXCHANGE. The checks run in the order
// of do_renameat2 and vfs_rename, so the first errno Linux would report is the one we report.
public sealed partial class MetaStateMachine
{
    private static MetaResult Rename(IKvTransaction kv, RenameCommand c)
    {
        var fs = c.FsId;
        var exchange = (c.Flags & RenameCommand.Exchange) != 0;
        if ((c.Flags & ~(RenameCommand.NoReplace | RenameCommand.Exchange)) != 0 || c.Flags == (RenameCommand.NoReplace | RenameCommand.Exchange))
            return MetaResult.Fail(Errno.EINVAL);

        var error = LoadDirectory(kv, fs, c.Parent, out var parent);
        if (error != Errno.Ok) return MetaResult.Fail(error);
        if ((error = Permissions.Check(parent, c.Caller, AccessMask.Execute)) != Errno.Ok) return MetaResult.Fail(error);
        InodeRecord newParent;
        if (c.NewParent == c.Parent) newParent = parent;
        else
        {
            if ((error = LoadDirectory(kv, fs, c.NewParent, out newParent)) != Errno.Ok) return MetaResult.Fail(error);
            if ((error = Permissions.Check(newParent, c.Caller, AccessMask.Execute)) != Errno.Ok) return MetaResult.Fail(error);
        }
        if (MetaStore.IsDotOrDotDot(c.Name)) return MetaResult.Fail(Errno.EBUSY);
        if (MetaStore.IsDotOrDotDot(c.NewName))
            return MetaResult.Fail((c.Flags & RenameCommand.NoReplace) != 0 ? Errno.EEXIST : Errno.EBUSY);
        if ((error = MetaStore.ValidateName(c.Name)) != Errno.Ok) return MetaResult.Fail(error);
        if ((error = MetaStore.ValidateName(c.NewName)) != Errno.Ok) return MetaResult.Fail(error);

        if (MetaStore.LoadDentry(kv, fs, c.Parent, c.Name) is not { } srcEntry) return MetaResult.Fail(Errno.ENOENT);
        var dstEntry = MetaStore.LoadDentry(kv, fs, c.NewParent, c.NewName);
        if ((c.Flags & RenameCommand.NoReplace) != 0 && dstEntry is not null) return MetaResult.Fail(Errno.EEXIST);
        if (exchange && dstEntry is null) return MetaResult.Fail(Errno.ENOENT);

        var src = MetaStore.LoadInode(kv, fs, srcEntry.Ino);
        if (src is null) return MetaResult.Fail(MetaStore.MissingInode(kv, fs, srcEntry.Ino));
        InodeRecord? dst = null;
        if (dstEntry is { } d && (dst = MetaStore.LoadInode(kv, fs, d.Ino)) is null) return MetaResult.Fail(MetaStore.MissingInode(kv, fs, d.Ino));

        // Source must not be an ancestor of the target; target must not be an ancestor of the source.
        if (src.IsDirectory && IsAncestorOrSelf(kv, fs, src.Ino, c.NewParent)) return MetaResult.Fail(Errno.EINVAL);
        if (dst is not null && dst.IsDirectory && IsAncestorOrSelf(kv, fs, dst.Ino, c.Parent))
            return MetaResult.Fail(exchange ? Errno.EINVAL : Errno.ENOTEMPTY);
        if (dst is not null && dst.Ino == src.Ino) return MetaResult.Of(src); // two links to one inode: nothing to do

        if ((error = MayDelete(parent, src, c.Caller, src.IsDirectory)) != Errno.Ok) return MetaResult.Fail(error);
        if (dst is null) error = Permissions.Check(newParent, c.Caller, AccessMask.Write | AccessMask.Execute);
        else error = MayDelete(newParent, dst, c.Caller, exchange ? dst.IsDirectory : src.IsDirectory);
        if (error != Errno.Ok) return MetaResult.Fail(error);
        if (c.Parent != c.NewParent)
        {
            // A directory that changes parent gets a new "..": that needs write access to it.
            if (src.IsDirectory && (error = Permissions.Check(src, c.Caller, AccessMask.Write)) != Errno.Ok) return MetaResult.Fail(error);
            if (exchange && dst!.IsDirectory && (error = Permissions.Check(dst, c.Caller, AccessMask.Write)) != Errno.Ok) return MetaResult.Fail(error);
        }
        if (!exchange && dst is not null && dst.IsDirectory && MetaStore.HasEntries(kv, fs, dst.Ino)) return MetaResult.Fail(Errno.ENOTEMPTY);
        if (c.Parent != c.NewParent && src.IsDirectory && !(dst?.IsDirectory ?? false) && newParent.Nlink >= Limits.LinkMax)
            return MetaResult.Fail(Errno.EMLINK);

        var now = c.NowNs;
        if (exchange) ExchangeEntries(kv, c, parent, newParent, src, dst!);
        else MoveEntry(kv, c, parent, newParent, src, dst);
        TouchDirectory(parent, now);
        TouchDirectory(newParent, now);
        MetaStore.StoreInode(kv, parent);
        if (!ReferenceEquals(parent, newParent)) MetaStore.StoreInode(kv, newParent);
        return MetaResult.Of(src, dst);
    }

    private static void MoveEntry(IKvTransaction kv, RenameCommand c, InodeRecord parent, InodeRecord newParent, InodeRecord src, InodeRecord? replaced)
    {
        var fs = c.FsId;
        MetaStore.DeleteDentry(kv, fs, c.Parent, c.Name);
        if (replaced is not null)
        {
            DropLink(kv, replaced, c.NewParent, c.NowNs);
            if (replaced.IsDirectory) newParent.Nlink--;
        }
        MetaStore.StoreDentry(kv, fs, c.NewParent, c.NewName, src);
        ReplaceParent(src, c.Parent, c.NewParent);
        src.CtimeNs = c.NowNs;
        MetaStore.StoreInode(kv, src);
        if (src.IsDirectory && c.Parent != c.NewParent)
        {
            parent.Nlink--;
            newParent.Nlink++;
        }
    }

    private static void ExchangeEntries(IKvTransaction kv, RenameCommand c, InodeRecord parent, InodeRecord newParent, InodeRecord src, InodeRecord dst)
    {
        var fs = c.FsId;
        MetaStore.StoreDentry(kv, fs, c.Parent, c.Name, dst);
        MetaStore.StoreDentry(kv, fs, c.NewParent, c.NewName, src);
        ReplaceParent(src, c.Parent, c.NewParent);
        ReplaceParent(dst, c.NewParent, c.Parent);
        src.CtimeNs = c.NowNs;
        dst.CtimeNs = c.NowNs;
        MetaStore.StoreInode(kv, src);
        MetaStore.StoreInode(kv, dst);
        if (c.Parent != c.NewParent && src.IsDirectory != dst.IsDirectory)
        {
            var (from, to) = src.IsDirectory ? (parent, newParent) : (newParent, parent);
            from.Nlink--;
            to.Nlink++;
        }
    }

    private static void ReplaceParent(InodeRecord inode, ulong oldParent, ulong newParent)
    {
        var i = inode.Parents.IndexOf(oldParent);
        if (i >= 0) inode.Parents[i] = newParent;
        else inode.Parents.Add(newParent);
    }

    /// <summary>Whether ancestor is ino itself or one of its ancestors (walking directory parents up to the root).</summary>
    private static bool IsAncestorOrSelf(IKvReader kv, uint fs, ulong ancestor, ulong ino)
    {
        // The depth bound only guards against a damaged tree with a cycle.
        for (var depth = 0; depth < 1_000_000; depth++)
        {
            if (ino == ancestor) return true;
            if (ino == Limits.RootInode) return false;
            var inode = MetaStore.LoadInode(kv, fs, ino);
            if (inode is null || inode.Parents.Count == 0) return false;
            ino = inode.Parents[0];
        }
        return false;
    }
}
