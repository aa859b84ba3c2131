using CurveFs.Common.Fs;
using CurveFs.Common.Meta;

namespace CurveFs.Mount.Vfs;

// Directory handles: opendir, readdir(plus), releasedir, fsyncdir.
public sealed partial class CurveVfs
{
    private const int ReadDirPage = 1000;

    public async ValueTask<Result<OpenReply>> OpenDirAsync(RequestContext ctx, ulong ino, int flags)
    {
        var attr = await meta.GetAttrAsync(ino).ConfigureAwait(false);
        if (!attr.Ok) return attr.Error;
        if (!attr.Value.IsDirectory) return Errno.ENOTDIR;
        var error = Permissions.Check(attr.Value, CallerOf(ctx), AccessMask.Read);
        if (error != Errno.Ok) return error;
        return new OpenReply(_open.Open(ino, flags, isDirectory: true));
    }

    public async ValueTask<Result<IReadOnlyList<DirEntry>>> ReadDirAsync(RequestContext ctx, ulong ino, ulong handle, long offset, bool plus)
    {
        if (_open.Get(handle) is not { IsDirectory: true } open) return Errno.EBADF;
        if (offset == 0 || open.Listing is null)
        {
            var listing = await ListAsync(ino, plus).ConfigureAwait(false);
            if (!listing.Ok) return listing.Error;
            open.Listing = listing.Value;
        }
        var entries = open.Listing;
        if (offset >= entries.Count) return Array.Empty<DirEntry>();
        return entries.GetRange((int)offset, entries.Count - (int)offset);
    }

    /// <summary>The whole directory: ".", "..", then the entries in name order. Each entry's Offset is its position + 1.</summary>
    private async ValueTask<Result<List<DirEntry>>> ListAsync(ulong ino, bool plus)
    {
        var self = await meta.GetAttrAsync(ino).ConfigureAwait(false);
        if (!self.Ok) return self.Error;
        var parentIno = self.Value.Parents.Count > 0 ? self.Value.Parents[0] : ino;
        var list = new List<DirEntry>
        {
            new("."u8.ToArray(), ino, FileModes.Directory, 1),
            new(".."u8.ToArray(), parentIno, FileModes.Directory, 2),
        };
        byte[]? after = null;
        while (true)
        {
            var page = await meta.ReadDirAsync(ino, after, ReadDirPage, plus).ConfigureAwait(false);
            if (!page.Ok) return page.Error;
            foreach (var entry in page.Value)
            {
                EntryReply? reply = entry.Attr is { } attr ? ToEntry(attr) : null;
                list.Add(new DirEntry(entry.Name, entry.Ino, entry.Type, list.Count + 1, reply));
            }
            if (page.Value.Count < ReadDirPage) break;
            after = page.Value[^1].Name;
        }
        return list;
    }

    public void ReadDirPacked(ulong ino, ulong handle, IReadOnlyList<DirEntry> batch, int packed)
    {
        // Lookup counts only matter for inode lifetime, which the metadata service tracks by links and
        // open handles, so entries handed out by readdirplus need no bookkeeping here.
    }

    public ValueTask<Errno> ReleaseDirAsync(ulong ino, ulong handle)
    {
        if (_open.Close(handle, out var closed)) return PurgeThenOk(closed);
        return ValueTask.FromResult(Errno.Ok);
    }

    private async ValueTask<Errno> PurgeThenOk(ulong ino)
    {
        await PurgeAsync(ino).ConfigureAwait(false);
        return Errno.Ok;
    }

    public ValueTask<Errno> FsyncDirAsync(RequestContext ctx, ulong ino, ulong handle, bool dataOnly) => meta.SyncAsync();
}
