using CurveFs.Common.Fs;
using CurveFs.Common.Meta;

namespace CurveFs.Mount.Vfs;

// Names: lookup, mknod, mkdir, symlink, link, unlink, rmdir, rename, readlink.
public sealed partial class CurveVfs
{
    public async ValueTask<Result<EntryReply>> LookupAsync(RequestContext ctx, ulong parent, ReadOnlyMemory<byte> name)
    {
        var found = await meta.LookupAsync(CallerOf(ctx), parent, name).ConfigureAwait(false);
        return found.Ok ? ToEntry(found.Value) : found.Error;
    }

    public ValueTask<Result<EntryReply>> MknodAsync(RequestContext ctx, ulong parent, ReadOnlyMemory<byte> name, uint mode, ulong rdev) =>
        CreateNodeAsync(ctx, new CreateNodeCommand { Parent = parent, Name = name.ToArray(), Mode = mode, Rdev = rdev });

    public ValueTask<Result<EntryReply>> MkdirAsync(RequestContext ctx, ulong parent, ReadOnlyMemory<byte> name, uint mode) =>
        CreateNodeAsync(ctx, new CreateNodeCommand { Parent = parent, Name = name.ToArray(), Mode = FileModes.Directory | (mode & FileModes.PermissionMask) });

    public ValueTask<Result<EntryReply>> SymlinkAsync(RequestContext ctx, ReadOnlyMemory<byte> target, ulong parent, ReadOnlyMemory<byte> name) =>
        CreateNodeAsync(ctx, new CreateNodeCommand { Parent = parent, Name = name.ToArray(), Mode = FileModes.Symlink | 0x1FF, SymlinkTarget = target.ToArray() });

    private async ValueTask<Result<EntryReply>> CreateNodeAsync(RequestContext ctx, CreateNodeCommand command)
    {
        if (ReadOnly) return Errno.EROFS;
        return EntryOf(await RunAsync(ctx, command).ConfigureAwait(false));
    }

    public async ValueTask<Result<EntryReply>> LinkAsync(RequestContext ctx, ulong ino, ulong newParent, ReadOnlyMemory<byte> newName)
    {
        if (ReadOnly) return Errno.EROFS;
        return EntryOf(await RunAsync(ctx, new LinkCommand { Ino = ino, NewParent = newParent, NewName = newName.ToArray() }).ConfigureAwait(false));
    }

    public async ValueTask<Errno> UnlinkAsync(RequestContext ctx, ulong parent, ReadOnlyMemory<byte> name)
    {
        if (ReadOnly) return Errno.EROFS;
        var result = await RunAsync(ctx, new UnlinkCommand { Parent = parent, Name = name.ToArray() }).ConfigureAwait(false);
        if (result.Ok) await ReleaseLinkAsync(result.Other).ConfigureAwait(false);
        return result.Error;
    }

    public async ValueTask<Errno> RmdirAsync(RequestContext ctx, ulong parent, ReadOnlyMemory<byte> name)
    {
        if (ReadOnly) return Errno.EROFS;
        var result = await RunAsync(ctx, new RmdirCommand { Parent = parent, Name = name.ToArray() }).ConfigureAwait(false);
        if (result.Ok) await ReleaseLinkAsync(result.Other).ConfigureAwait(false);
        return result.Error;
    }

    public async ValueTask<Errno> RenameAsync(RequestContext ctx, ulong parent, ReadOnlyMemory<byte> name, ulong newParent, ReadOnlyMemory<byte> newName, uint flags)
    {
        if (ReadOnly) return Errno.EROFS;
        var result = await RunAsync(ctx, new RenameCommand
        {
            Parent = parent, Name = name.ToArray(), NewParent = newParent, NewName = newName.ToArray(), Flags = flags,
        }).ConfigureAwait(false);
        if (result.Ok && (flags & RenameCommand.Exchange) == 0) await ReleaseLinkAsync(result.Other).ConfigureAwait(false);
        return result.Error;
    }

    public async ValueTask<Result<byte[]>> ReadLinkAsync(RequestContext ctx, ulong ino)
    {
        var attr = await meta.GetAttrAsync(ino).ConfigureAwait(false);
        if (!attr.Ok) return attr.Error;
        return attr.Value.IsSymlink && attr.Value.SymlinkTarget is { } target ? target : Errno.EINVAL;
    }
}
