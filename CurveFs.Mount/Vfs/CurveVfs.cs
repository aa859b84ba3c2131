using CurveFs.Common.Fs;
using CurveFs.Common.Meta;
using CurveFs.Mount.Data;
using CurveFs.Mount.Meta;
using Microsoft.Extensions.Logging;

namespace CurveFs.Mount.Vfs;

/// <summary>
/// The filesystem behind the FUSE adapter: turns kernel requests into metadata commands and queries
/// (<see cref="IMetaClient"/>) and file data reads and writes (<see cref="DataClient"/>), and keeps the
/// per-mount state the kernel expects: open handles, unlinked-but-open inodes, directory listings.
/// POSIX rules are not decided here but in the metadata state machine; the VFS only adds what needs
/// the open-file view (open permission checks, flushing before truncate).
/// </summary>
public sealed partial class CurveVfs(IMetaClient meta, DataClient data, VfsOptions options, ILogger<CurveVfs> logger) : IVfs
{
    private readonly CallerResolver _callers = new();
    private readonly OpenFiles _open = new();
    private readonly PageCacheVersions _pageCache = new();
    private readonly KernelAttrVersions _kernelAttrs = new();
    private readonly XattrAbsence _noXattrs = new(options.AttrTimeoutSeconds);

    /// <summary>Set by the FUSE session once mounted; null in tests that drive the VFS directly.</summary>
    public IKernelNotifier? KernelNotifier { get; set; }

    public void Init() => logger.LogInformation("filesystem {Name} (id {FsId}) is mounted", meta.Fs.Name, meta.Fs.FsId);

    public void Destroy()
    {
        var error = data.FlushAllAsync().AsTask().GetAwaiter().GetResult();
        if (error != Errno.Ok) logger.LogError("flushing buffered writes at unmount failed: {Errno}", error);
        data.SyncObjectsAsync().AsTask().GetAwaiter().GetResult();
        meta.SyncAsync().AsTask().GetAwaiter().GetResult();
    }

    public void Forget(ulong ino, ulong nlookup)
    {
        _pageCache.Forget(ino);
        _kernelAttrs.Forget(ino);
        _noXattrs.Forget(ino);
        if (!_open.IsOpen(ino) && !data.HasPendingWrites(ino)) data.Forget(ino);
    }

    private Caller CallerOf(RequestContext ctx) => _callers.Resolve(ctx);

    /// <summary>Stamps a command with the caller and the time, and runs it.</summary>
    private ValueTask<MetaResult> RunAsync(RequestContext ctx, MetaCommand command)
    {
        command.Caller = CallerOf(ctx);
        command.NowNs = Clock.NowNs();
        return meta.ExecuteAsync(command);
    }

    private FileAttr ToAttr(InodeRecord inode)
    {
        var size = inode.Length;
        if (inode.IsRegular)
        {
            size = Math.Max(size, data.PendingEnd(inode.Ino));
            _kernelAttrs.Told(inode.Ino, inode.MtimeNs, size);
        }
        _noXattrs.Note(inode);
        return new FileAttr
        {
            Ino = inode.Ino,
            Mode = inode.Mode,
            Nlink = inode.Nlink,
            Uid = inode.Uid,
            Gid = inode.Gid,
            Rdev = inode.Rdev,
            Size = size,
            Blocks = (size + 511) / 512,
            BlockSize = options.IoBlockSize,
            AtimeNs = inode.AtimeNs,
            MtimeNs = inode.MtimeNs,
            CtimeNs = inode.CtimeNs,
        };
    }

    private EntryReply ToEntry(InodeRecord inode) =>
        new(ToAttr(inode), options.EntryTimeoutSeconds, options.AttrTimeoutSeconds);

    private AttrReply ToAttrReply(InodeRecord inode) => new(ToAttr(inode), options.AttrTimeoutSeconds);

    private Result<EntryReply> EntryOf(MetaResult result) => result.Ok ? ToEntry(result.Inode!) : result.Error;

    /// <summary>After a command removed a link: purge the inode when that was its last link and no
    /// handle holds it; otherwise the last close does it.</summary>
    private async ValueTask ReleaseLinkAsync(InodeRecord? unlinked)
    {
        if (unlinked is null || unlinked.Nlink > 0) return;
        data.Invalidate(unlinked.Ino);
        if (_open.MarkUnlinked(unlinked.Ino)) await PurgeAsync(unlinked.Ino).ConfigureAwait(false);
        else if (meta.ClientId != 0)
        {
            // Still open here: tell the metaservers, so no other client's purge or our session's expiry loses it early.
            var held = await meta.ExecuteAsync(new HoldOrphanCommand { Ino = unlinked.Ino, ClientId = meta.ClientId, NowNs = Clock.NowNs() }).ConfigureAwait(false);
            if (!held.Ok) logger.LogWarning("recording the hold on unlinked inode {Ino} failed: {Errno}", unlinked.Ino, held.Error);
        }
    }

    private async ValueTask PurgeAsync(ulong ino)
    {
        data.Discard(ino);
        var result = await meta.ExecuteAsync(new PurgeInodeCommand { Ino = ino, ClientId = meta.ClientId, NowNs = Clock.NowNs() }).ConfigureAwait(false);
        if (!result.Ok) logger.LogWarning("purging deleted inode {Ino} failed ({Errno}); it stays an orphan until the next mount", ino, result.Error);
    }

    private bool ReadOnly => options.ReadOnly;
}
