using System.Text;
using CurveFs.Common.Fs;
using CurveFs.Common.Meta;
using CurveFs.MetaServer.Storage;

namespace CurveFs.MetaServer.Partition;

// setattr (chmod, chown, truncate, utimens) and extended attributes.
public sealed partial class MetaStateMachine
{
    private static MetaResult SetAttr(IKvTransaction kv, SetAttrCommand c)
    {
        var inode = MetaStore.LoadInode(kv, c.FsId, c.Ino);
        if (inode is null) return MetaResult.Fail(Errno.ENOENT);
        var caller = c.Caller;
        var fields = c.Fields;
        var error = CheckSetAttr(inode, c);
        if (error != Errno.Ok) return MetaResult.Fail(error);

        var now = c.NowNs;
        var changed = false;
        if ((fields & AttrFields.Mode) != 0)
        {
            var mode = c.Mode & FileModes.PermissionMask;
            // chmod by someone outside the file's group may not leave setgid on (setattr_copy).
            if (!caller.IsRoot && !caller.InGroup((fields & AttrFields.Gid) != 0 ? c.Gid : inode.Gid)) mode &= ~FileModes.SetGid;
            inode.Mode = FileModes.Type(inode.Mode) | mode;
            changed = true;
        }
        if ((fields & (AttrFields.Uid | AttrFields.Gid)) != 0)
        {
            if ((fields & AttrFields.Uid) != 0) inode.Uid = c.Uid;
            if ((fields & AttrFields.Gid) != 0) inode.Gid = c.Gid;
            // chown of a non-directory drops setuid, and setgid when it means "setgid" (group-executable).
            if (!inode.IsDirectory && (fields & AttrFields.Mode) == 0)
            {
                inode.Mode &= ~FileModes.SetUid;
                if ((inode.Mode & FileModes.GroupExecute) != 0) inode.Mode &= ~FileModes.SetGid;
            }
            changed = true;
        }
        if ((fields & AttrFields.Size) != 0)
        {
            if (c.Size != inode.Length)
            {
                Truncate(kv, inode, c.Size);
                inode.MtimeNs = now;
            }
            changed = true;
        }
        if ((fields & AttrFields.AtimeNow) != 0) inode.AtimeNs = now;
        else if ((fields & AttrFields.Atime) != 0) inode.AtimeNs = c.AtimeNs;
        if ((fields & AttrFields.MtimeNow) != 0) inode.MtimeNs = now;
        else if ((fields & AttrFields.Mtime) != 0) inode.MtimeNs = c.MtimeNs;
        if ((fields & (AttrFields.Atime | AttrFields.Mtime | AttrFields.AtimeNow | AttrFields.MtimeNow)) != 0) changed = true;
        if ((fields & AttrFields.Ctime) != 0) inode.CtimeNs = c.CtimeNs;
        else if (changed) inode.CtimeNs = now;
        MetaStore.StoreInode(kv, inode);
        return MetaResult.Of(inode);
    }

    /// <summary>The permission rules of chmod, chown, truncate and utimensat (setattr_prepare).</summary>
    private static Errno CheckSetAttr(InodeRecord inode, SetAttrCommand c)
    {
        var caller = c.Caller;
        var fields = c.Fields;
        var owner = Permissions.IsOwnerOrRoot(inode, caller);
        if ((fields & AttrFields.Uid) != 0 && c.Uid != inode.Uid && !caller.IsRoot) return Errno.EPERM;
        if ((fields & AttrFields.Gid) != 0 && c.Gid != inode.Gid && !caller.IsRoot
            && !(caller.Uid == inode.Uid && caller.InGroup(c.Gid))) return Errno.EPERM;
        if ((fields & (AttrFields.Uid | AttrFields.Gid)) != 0 && !owner) return Errno.EPERM;
        if ((fields & AttrFields.Mode) != 0 && !owner) return Errno.EPERM;
        if ((fields & (AttrFields.Atime | AttrFields.Mtime | AttrFields.Ctime)) != 0 && !owner) return Errno.EPERM;
        if ((fields & (AttrFields.AtimeNow | AttrFields.MtimeNow)) != 0 && !owner
            && Permissions.Check(inode, caller, AccessMask.Write) != Errno.Ok) return Errno.EACCES;
        if ((fields & AttrFields.Size) != 0)
        {
            if (inode.IsDirectory) return Errno.EISDIR;
            if (!inode.IsRegular) return Errno.EINVAL;
            if (c.Size > (ulong)Limits.FileSizeMax) return Errno.EFBIG;
            if (!c.ThroughHandle && Permissions.Check(inode, caller, AccessMask.Write) is var e && e != Errno.Ok) return e;
        }
        return Errno.Ok;
    }

    private static MetaResult SetXattr(IKvTransaction kv, SetXattrCommand c)
    {
        var inode = MetaStore.LoadInode(kv, c.FsId, c.Ino);
        if (inode is null) return MetaResult.Fail(Errno.ENOENT);
        if ((c.Flags & ~(SetXattrCommand.CreateOnly | SetXattrCommand.ReplaceOnly)) != 0) return MetaResult.Fail(Errno.EINVAL);
        var error = ValidateXattrName(c.Name);
        if (error != Errno.Ok) return MetaResult.Fail(error);
        if (c.Value.Length > Limits.XattrValueMax) return MetaResult.Fail(Errno.E2BIG);
        if ((error = XattrPermission(inode, c.Caller, c.Name, write: true)) != Errno.Ok) return MetaResult.Fail(error);

        var key = MetaKeys.XattrKey(c.FsId, c.Ino, c.Name);
        var exists = kv.Get(key) is not null;
        if (exists && (c.Flags & SetXattrCommand.CreateOnly) != 0) return MetaResult.Fail(Errno.EEXIST);
        if (!exists && (c.Flags & SetXattrCommand.ReplaceOnly) != 0) return MetaResult.Fail(Errno.ENODATA);
        kv.Put(key, c.Value);
        if (!exists) inode.XattrCount++;
        inode.CtimeNs = c.NowNs;
        MetaStore.StoreInode(kv, inode);
        return MetaResult.Of(inode);
    }

    private static MetaResult RemoveXattr(IKvTransaction kv, RemoveXattrCommand c)
    {
        var inode = MetaStore.LoadInode(kv, c.FsId, c.Ino);
        if (inode is null) return MetaResult.Fail(Errno.ENOENT);
        var error = ValidateXattrName(c.Name);
        if (error != Errno.Ok) return MetaResult.Fail(error);
        if ((error = XattrPermission(inode, c.Caller, c.Name, write: true)) != Errno.Ok) return MetaResult.Fail(error);
        var key = MetaKeys.XattrKey(c.FsId, c.Ino, c.Name);
        if (kv.Get(key) is null) return MetaResult.Fail(Errno.ENODATA);
        kv.Delete(key);
        inode.XattrCount--;
        inode.CtimeNs = c.NowNs;
        MetaStore.StoreInode(kv, inode);
        return MetaResult.Of(inode);
    }

    /// <summary>Names must be 1-255 bytes and in a namespace we support (ERANGE / EOPNOTSUPP as Linux answers).</summary>
    public static Errno ValidateXattrName(string name)
    {
        var length = Encoding.UTF8.GetByteCount(name);
        if (length == 0 || length > Limits.XattrNameMax) return Errno.ERANGE;
        if (name.StartsWith("user.", StringComparison.Ordinal) || name.StartsWith("trusted.", StringComparison.Ordinal)
            || name.StartsWith("security.", StringComparison.Ordinal)) return Errno.Ok;
        // system.* holds POSIX ACLs, which CurveFs does not implement; unknown namespaces are not supported either.
        return Errno.EOPNOTSUPP;
    }

    /// <summary>xattr_permission of fs/xattr.c: trusted.* is root's, user.* lives only on files and
    /// directories and follows the file's mode (and the sticky-directory rule for writes).</summary>
    public static Errno XattrPermission(InodeRecord inode, Caller caller, string name, bool write)
    {
        if (name.StartsWith("security.", StringComparison.Ordinal))
            return !write || Permissions.IsOwnerOrRoot(inode, caller) ? Errno.Ok : Errno.EPERM;
        if (name.StartsWith("trusted.", StringComparison.Ordinal))
            return caller.IsRoot ? Errno.Ok : write ? Errno.EPERM : Errno.ENODATA;
        if (!inode.IsRegular && !inode.IsDirectory) return write ? Errno.EPERM : Errno.ENODATA;
        if (write && inode.IsDirectory && (inode.Mode & FileModes.Sticky) != 0 && !Permissions.IsOwnerOrRoot(inode, caller))
            return Errno.EPERM;
        return Permissions.Check(inode, caller, write ? AccessMask.Write : AccessMask.Read);
    }
}
