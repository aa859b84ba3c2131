using CurveFs.Common.Fs;
using CurveFs.Common.Meta;
using CurveFs.MetaServer.Storage;

namespace CurveFs.MetaServer.Partition;

// Creating and removing names: mknod/mkdir/create/symlink, link, unlink, rmdir. The order of the
// checks follows Linux (namei.c), so the errno a caller sees when several things are wrong matches.
public sealed partial class MetaStateMachine
{
    private static MetaResult CreateNode(IKvTransaction kv, CreateNodeCommand c)
    {
        var fs = c.FsId;
        var error = LoadDirectory(kv, fs, c.Parent, out var parent);
        if (error != Errno.Ok) return MetaResult.Fail(error);
        if ((error = Permissions.Check(parent, c.Caller, AccessMask.Execute)) != Errno.Ok) return MetaResult.Fail(error);
        if (MetaStore.IsDotOrDotDot(c.Name)) return MetaResult.Fail(Errno.EEXIST);
        if ((error = MetaStore.ValidateName(c.Name)) != Errno.Ok) return MetaResult.Fail(error);
        if (MetaStore.LoadDentry(kv, fs, c.Parent, c.Name) is not null) return MetaResult.Fail(Errno.EEXIST);
        if ((error = Permissions.Check(parent, c.Caller, AccessMask.Write | AccessMask.Execute)) != Errno.Ok) return MetaResult.Fail(error);

        var template = NewInode(parent, c.Caller, c.Mode, c.Rdev, c.SymlinkTarget, c.NowNs, out error);
        if (error != Errno.Ok) return MetaResult.Fail(error);
        var isDir = template.IsDirectory;
        if (isDir && parent.Nlink >= Limits.LinkMax) return MetaResult.Fail(Errno.EMLINK);

        var allocated = AllocateInode(kv, fs, c.Parent, out var ino);
        if (!allocated.Ok) return allocated;
        var inode = template;
        inode.FsId = fs;
        inode.Ino = ino;
        MetaStore.StoreInode(kv, inode);
        MetaStore.StoreDentry(kv, fs, c.Parent, c.Name, inode);
        if (isDir) parent.Nlink++;
        TouchDirectory(parent, c.NowNs);
        MetaStore.StoreInode(kv, parent);
        return MetaResult.Of(inode);
    }

    /// <summary>
    /// A new inode as mknod/mkdir/create/symlink make it (without its ID): type and mode checks, and
    /// ownership as inode_init_owner does it: a setgid directory passes on its group (and, to
    /// subdirectories, the setgid bit); a file may keep setgid only if the creator is in its group.
    /// Shared by the single-copyset command and the client planning a cross-copyset create.
    /// </summary>
    public static InodeRecord NewInode(InodeRecord parent, Caller caller, uint requestedMode, ulong rdev, byte[]? symlinkTarget, long now, out Errno error)
    {
        error = Errno.Ok;
        var mode = FileModes.Type(requestedMode) == 0 ? requestedMode | FileModes.Regular : requestedMode;
        if (!FileModes.IsValidType(mode))
        {
            error = Errno.EINVAL;
            return null!;
        }
        var isDir = FileModes.IsDirectory(mode);
        byte[]? target = null;
        if (FileModes.IsSymlink(mode))
        {
            target = symlinkTarget ?? [];
            if (target.Length == 0) error = Errno.ENOENT;
            else if (target.Length > Limits.SymlinkMax) error = Errno.ENAMETOOLONG;
            if (error != Errno.Ok) return null!;
            mode = FileModes.Symlink | 0x1FF; // symlinks are always 0777
        }
        var gid = caller.Gid;
        if ((parent.Mode & FileModes.SetGid) != 0)
        {
            gid = parent.Gid;
            if (isDir) mode |= FileModes.SetGid;
            else if ((mode & (FileModes.SetGid | FileModes.GroupExecute)) == (FileModes.SetGid | FileModes.GroupExecute)
                     && !caller.IsRoot && !caller.InGroup(parent.Gid))
                mode &= ~FileModes.SetGid;
        }
        return new InodeRecord
        {
            FsId = parent.FsId,
            Mode = mode,
            Uid = caller.Uid,
            Gid = gid,
            Nlink = isDir ? 2u : 1u,
            Length = isDir ? Limits.DirectorySize : target is null ? 0 : (ulong)target.Length,
            AtimeNs = now, MtimeNs = now, CtimeNs = now, BtimeNs = now,
            Rdev = FileModes.Type(mode) is FileModes.CharDevice or FileModes.BlockDevice ? rdev : 0,
            SymlinkTarget = target,
            Parents = [parent.Ino],
        };
    }

    /// <summary>Takes the next free inode ID, preferring the parent's partition (so most creates stay in
    /// one partition), then any read-write partition of the filesystem in this copyset.</summary>
    private static MetaResult AllocateInode(IKvTransaction kv, uint fs, ulong parentIno, out ulong ino)
    {
        ino = 0;
        PartitionRecord? chosen = null;
        foreach (var partition in MetaStore.LoadPartitions(kv, fs))
        {
            if (partition.Status != PartitionStatus.ReadWrite || partition.NextIno > partition.End) continue;
            if (partition.Contains(parentIno)) { chosen = partition; break; }
            chosen ??= partition;
        }
        if (chosen is null) return new MetaResult { Error = Errno.ENOSPC, NeedsPartition = true };
        ino = chosen.NextIno++;
        if (chosen.NextIno > chosen.End) chosen.Status = PartitionStatus.ReadOnly;
        chosen.InodeCount++;
        MetaStore.StorePartition(kv, chosen);
        return MetaResult.Success;
    }

    private static MetaResult Link(IKvTransaction kv, LinkCommand c)
    {
        var fs = c.FsId;
        var inode = MetaStore.LoadInode(kv, fs, c.Ino);
        if (inode is null) return MetaResult.Fail(MetaStore.PartitionOf(kv, fs, c.Ino) is null ? Errno.EXDEV : Errno.ENOENT);
        var error = LoadDirectory(kv, fs, c.NewParent, out var parent);
        if (error != Errno.Ok) return MetaResult.Fail(error);
        if ((error = Permissions.Check(parent, c.Caller, AccessMask.Execute)) != Errno.Ok) return MetaResult.Fail(error);
        if (MetaStore.IsDotOrDotDot(c.NewName)) return MetaResult.Fail(Errno.EEXIST);
        if ((error = MetaStore.ValidateName(c.NewName)) != Errno.Ok) return MetaResult.Fail(error);
        if (MetaStore.LoadDentry(kv, fs, c.NewParent, c.NewName) is not null) return MetaResult.Fail(Errno.EEXIST);
        if ((error = Permissions.Check(parent, c.Caller, AccessMask.Write | AccessMask.Execute)) != Errno.Ok) return MetaResult.Fail(error);
        if (inode.IsDirectory) return MetaResult.Fail(Errno.EPERM);
        if (inode.Nlink == 0) return MetaResult.Fail(Errno.ENOENT);
        if (inode.Nlink >= Limits.LinkMax) return MetaResult.Fail(Errno.EMLINK);

        inode.Nlink++;
        inode.Parents.Add(c.NewParent);
        inode.CtimeNs = c.NowNs;
        MetaStore.StoreInode(kv, inode);
        MetaStore.StoreDentry(kv, fs, c.NewParent, c.NewName, inode);
        TouchDirectory(parent, c.NowNs);
        MetaStore.StoreInode(kv, parent);
        return MetaResult.Of(inode);
    }

    private static MetaResult Unlink(IKvTransaction kv, UnlinkCommand c)
    {
        var fs = c.FsId;
        var error = LoadDirectory(kv, fs, c.Parent, out var parent);
        if (error != Errno.Ok) return MetaResult.Fail(error);
        if ((error = Permissions.Check(parent, c.Caller, AccessMask.Execute)) != Errno.Ok) return MetaResult.Fail(error);
        if (MetaStore.IsDotOrDotDot(c.Name)) return MetaResult.Fail(Errno.EISDIR);
        if ((error = MetaStore.ValidateName(c.Name)) != Errno.Ok) return MetaResult.Fail(error);
        if (MetaStore.LoadDentry(kv, fs, c.Parent, c.Name) is not { } dentry) return MetaResult.Fail(Errno.ENOENT);
        var victim = MetaStore.LoadInode(kv, fs, dentry.Ino);
        if (victim is null) return MetaResult.Fail(MetaStore.MissingInode(kv, fs, dentry.Ino));
        if ((error = MayDelete(parent, victim, c.Caller, isDirectory: false)) != Errno.Ok) return MetaResult.Fail(error);

        MetaStore.DeleteDentry(kv, fs, c.Parent, c.Name);
        DropLink(kv, victim, c.Parent, c.NowNs);
        TouchDirectory(parent, c.NowNs);
        MetaStore.StoreInode(kv, parent);
        return MetaResult.Of(parent, victim);
    }

    private static MetaResult Rmdir(IKvTransaction kv, RmdirCommand c)
    {
        var fs = c.FsId;
        var error = LoadDirectory(kv, fs, c.Parent, out var parent);
        if (error != Errno.Ok) return MetaResult.Fail(error);
        if ((error = Permissions.Check(parent, c.Caller, AccessMask.Execute)) != Errno.Ok) return MetaResult.Fail(error);
        if (c.Name is [(byte)'.']) return MetaResult.Fail(Errno.EINVAL);
        if (MetaStore.IsDotOrDotDot(c.Name)) return MetaResult.Fail(Errno.ENOTEMPTY);
        if ((error = MetaStore.ValidateName(c.Name)) != Errno.Ok) return MetaResult.Fail(error);
        if (MetaStore.LoadDentry(kv, fs, c.Parent, c.Name) is not { } dentry) return MetaResult.Fail(Errno.ENOENT);
        var victim = MetaStore.LoadInode(kv, fs, dentry.Ino);
        if (victim is null) return MetaResult.Fail(MetaStore.MissingInode(kv, fs, dentry.Ino));
        if ((error = MayDelete(parent, victim, c.Caller, isDirectory: true)) != Errno.Ok) return MetaResult.Fail(error);
        if (MetaStore.HasEntries(kv, fs, victim.Ino)) return MetaResult.Fail(Errno.ENOTEMPTY);

        MetaStore.DeleteDentry(kv, fs, c.Parent, c.Name);
        DropLink(kv, victim, c.Parent, c.NowNs);
        parent.Nlink--;
        TouchDirectory(parent, c.NowNs);
        MetaStore.StoreInode(kv, parent);
        return MetaResult.Of(parent, victim);
    }

    /// <summary>may_delete of namei.c: write and search permission on the directory, the sticky rule,
    /// and the type of the victim matching the operation.</summary>
    private static Errno MayDelete(InodeRecord dir, InodeRecord victim, Caller caller, bool isDirectory)
    {
        var error = Permissions.Check(dir, caller, AccessMask.Write | AccessMask.Execute);
        if (error != Errno.Ok) return error;
        if ((error = Permissions.CheckSticky(dir, victim, caller)) != Errno.Ok) return error;
        if (isDirectory && !victim.IsDirectory) return Errno.ENOTDIR;
        if (!isDirectory && victim.IsDirectory) return Errno.EISDIR;
        return Errno.Ok;
    }

    /// <summary>Removes one link of victim from parent: a directory loses all (its "." too), a file one;
    /// an inode left without links becomes an orphan that a purge deletes once no handle holds it.</summary>
    private static void DropLink(IKvTransaction kv, InodeRecord victim, ulong parent, long now)
    {
        if (victim.IsDirectory) victim.Nlink = 0;
        else victim.Nlink--;
        victim.Parents.Remove(parent);
        victim.CtimeNs = now;
        MetaStore.StoreInode(kv, victim);
        if (victim.Nlink == 0) kv.Put(MetaKeys.OrphanKey(victim.FsId, victim.Ino), []);
    }
}
