using System.Text;
using CurveFs.Common.Fs;
using CurveFs.Common.Meta;

namespace CurveFs.Mount.Vfs;

// Attributes: getattr, setattr, access, statfs and extended attributes.
public sealed partial class CurveVfs
{
    public async ValueTask<Result<AttrReply>> GetAttrAsync(RequestContext ctx, ulong ino, ulong? handle)
    {
        var attr = await meta.GetAttrAsync(ino).ConfigureAwait(false);
        if (!attr.Ok) return attr.Error;
        // Like NFS: a getattr that finds another length than reads assume (another client wrote the open
        // file) drops what reads cached, so fstat-then-read (tail -f) sees the new data.
        data.RevalidateLength(ino, attr.Value.Length);
        return ToAttrReply(attr.Value);
    }

    public async ValueTask<Result<AttrReply>> SetAttrAsync(RequestContext ctx, ulong ino, SetAttrRequest request)
    {
        if (ReadOnly) return Errno.EROFS;
        var fields = request.Fields;
        // Buffered writes go first: a truncation must not be undone by an older write committed after
        // it, and times set now (cp -a, touch -d) must not be overwritten by a later commit.
        var flushed = await data.FlushAsync(ino).ConfigureAwait(false);
        if (flushed != Errno.Ok) return flushed;
        var result = await RunAsync(ctx, new SetAttrCommand
        {
            Ino = ino,
            Fields = fields,
            Mode = request.Mode,
            Uid = request.Uid,
            Gid = request.Gid,
            Size = request.Size,
            AtimeNs = request.AtimeNs,
            MtimeNs = request.MtimeNs,
            CtimeNs = request.CtimeNs,
            ThroughHandle = request.Handle is { } h && _open.Get(h) is { } open && OpenFlags.Writable(open.Flags),
        }).ConfigureAwait(false);
        if ((fields & AttrFields.Size) != 0) data.Invalidate(ino);
        return result.Ok ? ToAttrReply(result.Inode!) : result.Error;
    }

    public async ValueTask<Errno> AccessAsync(RequestContext ctx, ulong ino, int mask)
    {
        var attr = await meta.GetAttrAsync(ino).ConfigureAwait(false);
        if (!attr.Ok) return attr.Error;
        if (ReadOnly && (mask & (int)AccessMask.Write) != 0) return Errno.EROFS;
        return Permissions.Check(attr.Value, CallerOf(ctx), (AccessMask)(mask & 7));
    }

    public async ValueTask<Result<StatFsReply>> StatFsAsync(RequestContext ctx, ulong ino)
    {
        const ulong blockSize = 4096;
        const ulong maxFiles = 1UL << 40;
        var stats = await meta.StatFsAsync().ConfigureAwait(false);
        var used = (ulong)Math.Max(0, stats.UsedBytes) + (ulong)data.BufferedBytes;
        var capacity = Math.Max(meta.Fs.CapacityBytes, used);
        var blocks = capacity / blockSize;
        var free = (capacity - used) / blockSize;
        var files = (ulong)Math.Max(0, stats.Inodes);
        return new StatFsReply(blockSize, blockSize, blocks, free, free, maxFiles, maxFiles - files, maxFiles - files, Limits.NameMax);
    }

    public async ValueTask<Errno> SetXattrAsync(RequestContext ctx, ulong ino, string name, ReadOnlyMemory<byte> value, int flags)
    {
        if (ReadOnly) return Errno.EROFS;
        _noXattrs.Forget(ino);
        return (await RunAsync(ctx, new SetXattrCommand { Ino = ino, Name = name, Value = value.ToArray(), Flags = flags }).ConfigureAwait(false)).Error;
    }

    public ValueTask<Result<byte[]>> GetXattrAsync(RequestContext ctx, ulong ino, string name)
    {
        // security.* only: reading it needs no permission, so the shortcut cannot hide an EACCES.
        if (name.StartsWith("security.", StringComparison.Ordinal) && _noXattrs.IsKnownAbsent(ino)) return new(Errno.ENODATA);
        return meta.GetXattrAsync(CallerOf(ctx), ino, name);
    }

    public async ValueTask<Result<byte[]>> ListXattrAsync(RequestContext ctx, ulong ino)
    {
        var names = await meta.ListXattrAsync(CallerOf(ctx), ino).ConfigureAwait(false);
        if (!names.Ok) return names.Error;
        var list = new List<byte>();
        foreach (var name in names.Value)
        {
            list.AddRange(Encoding.UTF8.GetBytes(name));
            list.Add(0);
        }
        return list.ToArray();
    }

    public async ValueTask<Errno> RemoveXattrAsync(RequestContext ctx, ulong ino, string name)
    {
        if (ReadOnly) return Errno.EROFS;
        return (await RunAsync(ctx, new RemoveXattrCommand { Ino = ino, Name = name }).ConfigureAwait(false)).Error;
    }
}
