using CurveFs.Common.Fs;
using CurveFs.Common.Meta;

namespace CurveFs.Mount.Vfs;

// Regular file I/O: open, create, read, write, flush, release, fsync, fallocate.
public sealed partial class CurveVfs
{
    public async ValueTask<Result<OpenReply>> OpenAsync(RequestContext ctx, ulong ino, int flags)
    {
        var attr = await meta.GetAttrAsync(ino).ConfigureAwait(false);
        if (!attr.Ok) return attr.Error;
        var inode = attr.Value;
        _noXattrs.Note(inode);
        if (inode.IsDirectory && OpenFlags.Writable(flags)) return Errno.EISDIR;
        if (ReadOnly && (OpenFlags.Writable(flags) || (flags & OpenFlags.Truncate) != 0)) return Errno.EROFS;
        var error = Permissions.CheckOpen(inode, CallerOf(ctx), flags);
        if (error != Errno.Ok) return error;
        // Close-to-open: what another client committed before this open must be visible now, both in
        // our slice cache and in the kernel's page cache (kept only if the file is unchanged).
        var keepCache = _pageCache.OpenMayKeepCache(ino, inode.MtimeNs, inode.Length);
        if (!data.HasPendingWrites(ino))
        {
            data.Invalidate(ino);
            if (_kernelAttrs.IsStale(ino, inode.MtimeNs, inode.Length))
            {
                _kernelAttrs.Forget(ino);
                KernelNotifier?.InvalidateAttributes(ino);
            }
        }
        return new OpenReply(_open.Open(ino, flags, isDirectory: false), KeepCache: keepCache);
    }

    public async ValueTask<Result<(EntryReply Entry, OpenReply Open)>> CreateAsync(RequestContext ctx, ulong parent, ReadOnlyMemory<byte> name, uint mode, int flags)
    {
        if (ReadOnly) return Errno.EROFS;
        var result = await RunAsync(ctx, new CreateNodeCommand
        {
            Parent = parent, Name = name.ToArray(), Mode = FileModes.Regular | (mode & FileModes.PermissionMask),
        }).ConfigureAwait(false);
        if (!result.Ok) return result.Error;
        var handle = _open.Open(result.Inode!.Ino, flags, isDirectory: false);
        return (ToEntry(result.Inode!), new OpenReply(handle));
    }

    public ValueTask<Result<int>> ReadAsync(RequestContext ctx, ulong ino, ulong handle, long offset, Memory<byte> destination)
    {
        if (_open.Get(handle) is not { } open || (open.Flags & OpenFlags.AccessModeMask) == OpenFlags.WriteOnly) return new(Errno.EBADF);
        return data.ReadAsync(ino, offset, destination, open.ReadPattern);
    }

    public async ValueTask<Result<int>> WriteAsync(RequestContext ctx, ulong ino, ulong handle, long offset, ReadOnlyMemory<byte> bytes)
    {
        if (_open.Get(handle) is not { } open || !OpenFlags.Writable(open.Flags)) return Errno.EBADF;
        var error = await data.WriteAsync(ino, offset, bytes).ConfigureAwait(false);
        return error == Errno.Ok ? bytes.Length : error;
    }

    public ValueTask<Errno> FlushAsync(RequestContext ctx, ulong ino, ulong handle) => data.FlushAsync(ino);

    public async ValueTask<Errno> ReleaseAsync(ulong ino, ulong handle)
    {
        var error = await data.FlushAsync(ino).ConfigureAwait(false);
        if (_open.Close(handle, out var closed)) await PurgeAsync(closed).ConfigureAwait(false);
        return error;
    }

    public async ValueTask<Errno> FsyncAsync(RequestContext ctx, ulong ino, ulong handle, bool dataOnly)
    {
        var error = await data.FlushAsync(ino).ConfigureAwait(false);
        if (error == Errno.Ok) error = await data.SyncObjectsAsync().ConfigureAwait(false);
        if (error != Errno.Ok) return error;
        return await meta.SyncAsync().ConfigureAwait(false);
    }

    public async ValueTask<Errno> FallocateAsync(RequestContext ctx, ulong ino, ulong handle, int mode, long offset, long length)
    {
        if (ReadOnly) return Errno.EROFS;
        if (offset < 0 || length <= 0) return Errno.EINVAL;
        var flushed = await data.FlushAsync(ino).ConfigureAwait(false);
        if (flushed != Errno.Ok) return flushed;
        var result = await RunAsync(ctx, new FallocateCommand { Ino = ino, Mode = mode, Offset = (ulong)offset, Length = (ulong)length }).ConfigureAwait(false);
        data.Invalidate(ino);
        return result.Error;
    }
}
