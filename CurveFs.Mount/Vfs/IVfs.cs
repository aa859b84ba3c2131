using CurveFs.Common.Fs;
using CurveFs.Common.Meta;

namespace CurveFs.Mount.Vfs;

/// <summary>Who is asking: the credentials the kernel attached to a FUSE request.</summary>
public readonly record struct RequestContext(uint Uid, uint Gid, int Pid, uint Umask)
{
    public static readonly RequestContext Root = new(0, 0, 0, 0);
}

/// <summary>File attributes as the kernel sees them (struct stat). Times are nanoseconds since the epoch.</summary>
public struct FileAttr
{
    public ulong Ino;
    public uint Mode;      // st_mode: S_IFMT type bits | permission bits (incl. suid/sgid/sticky)
    public uint Nlink;
    public uint Uid;
    public uint Gid;
    public ulong Rdev;
    public ulong Size;
    public ulong Blocks;   // 512-byte units
    public uint BlockSize;
    public long AtimeNs;
    public long MtimeNs;
    public long CtimeNs;
}

/// <summary>Reply to lookup/mknod/mkdir/symlink/link/create: the entry and how long the kernel may cache it.</summary>
public readonly record struct EntryReply(FileAttr Attr, double EntryTimeoutSeconds, double AttrTimeoutSeconds, ulong Generation = 0);

/// <summary>Reply to getattr/setattr.</summary>
public readonly record struct AttrReply(FileAttr Attr, double AttrTimeoutSeconds);

/// <summary>Reply to open/create/opendir: the handle and the kernel caching flags for it.</summary>
public readonly record struct OpenReply(ulong Handle, bool DirectIo = false, bool KeepCache = false);

/// <summary>A setattr request; <see cref="AttrFields"/> are the FUSE_SET_ATTR_* bits. <see cref="Handle"/> is set when the kernel passed a file handle (ftruncate, futimens).</summary>
public readonly record struct SetAttrRequest(
    AttrFields Fields, uint Mode, uint Uid, uint Gid, ulong Size,
    long AtimeNs, long MtimeNs, long CtimeNs, ulong? Handle);

/// <summary>One directory entry as readdir returns it. <see cref="Offset"/> is the cookie of the entry
/// after this one (what the kernel passes back to continue). For readdirplus, <see cref="Entry"/> is set.</summary>
public readonly record struct DirEntry(byte[] Name, ulong Ino, uint Mode, long Offset, EntryReply? Entry = null);

/// <summary>statfs(2) figures.</summary>
public readonly record struct StatFsReply(
    ulong BlockSize, ulong FragmentSize, ulong Blocks, ulong BlocksFree, ulong BlocksAvailable,
    ulong Files, ulong FilesFree, ulong FilesAvailable, ulong NameMax);

/// <summary>
/// The filesystem as the FUSE adapter sees it: one method per low-level operation, inode based.
/// Implementations never throw to the caller for filesystem errors; they return an errno. The adapter
/// still catches anything unexpected, logs it and replies EIO.
/// Memory passed in (names, write data) is valid until the returned task completes.
/// </summary>
public interface IVfs
{
    /// <summary>Called once when the kernel connection is up, before any other operation.</summary>
    void Init();

    /// <summary>Called once when the session ends (unmount); flushes what is buffered.</summary>
    void Destroy();

    ValueTask<Result<EntryReply>> LookupAsync(RequestContext ctx, ulong parent, ReadOnlyMemory<byte> name);
    void Forget(ulong ino, ulong nlookup);
    ValueTask<Result<AttrReply>> GetAttrAsync(RequestContext ctx, ulong ino, ulong? handle);
    ValueTask<Result<AttrReply>> SetAttrAsync(RequestContext ctx, ulong ino, SetAttrRequest request);
    ValueTask<Result<byte[]>> ReadLinkAsync(RequestContext ctx, ulong ino);
    ValueTask<Result<EntryReply>> MknodAsync(RequestContext ctx, ulong parent, ReadOnlyMemory<byte> name, uint mode, ulong rdev);
    ValueTask<Result<EntryReply>> MkdirAsync(RequestContext ctx, ulong parent, ReadOnlyMemory<byte> name, uint mode);
    ValueTask<Errno> UnlinkAsync(RequestContext ctx, ulong parent, ReadOnlyMemory<byte> name);
    ValueTask<Errno> RmdirAsync(RequestContext ctx, ulong parent, ReadOnlyMemory<byte> name);
    ValueTask<Result<EntryReply>> SymlinkAsync(RequestContext ctx, ReadOnlyMemory<byte> target, ulong parent, ReadOnlyMemory<byte> name);
    /// <param name="flags">0, RENAME_NOREPLACE (1) or RENAME_EXCHANGE (2); anything else is EINVAL.</param>
    ValueTask<Errno> RenameAsync(RequestContext ctx, ulong parent, ReadOnlyMemory<byte> name, ulong newParent, ReadOnlyMemory<byte> newName, uint flags);
    ValueTask<Result<EntryReply>> LinkAsync(RequestContext ctx, ulong ino, ulong newParent, ReadOnlyMemory<byte> newName);

    /// <param name="flags">open(2) flags (O_ACCMODE, O_APPEND, O_TRUNC ...).</param>
    ValueTask<Result<OpenReply>> OpenAsync(RequestContext ctx, ulong ino, int flags);
    ValueTask<Result<(EntryReply Entry, OpenReply Open)>> CreateAsync(RequestContext ctx, ulong parent, ReadOnlyMemory<byte> name, uint mode, int flags);
    /// <summary>Reads up to destination.Length bytes at offset; returns how many (0 at end of file).</summary>
    ValueTask<Result<int>> ReadAsync(RequestContext ctx, ulong ino, ulong handle, long offset, Memory<byte> destination);
    ValueTask<Result<int>> WriteAsync(RequestContext ctx, ulong ino, ulong handle, long offset, ReadOnlyMemory<byte> data);
    ValueTask<Errno> FlushAsync(RequestContext ctx, ulong ino, ulong handle);
    ValueTask<Errno> ReleaseAsync(ulong ino, ulong handle);
    ValueTask<Errno> FsyncAsync(RequestContext ctx, ulong ino, ulong handle, bool dataOnly);
    ValueTask<Errno> FallocateAsync(RequestContext ctx, ulong ino, ulong handle, int mode, long offset, long length);

    ValueTask<Result<OpenReply>> OpenDirAsync(RequestContext ctx, ulong ino, int flags);
    /// <summary>Entries starting at the cookie <paramref name="offset"/> (0 = from the start, including "." and "..").
    /// The adapter packs as many as fit and asks again with the last packed entry's Offset.
    /// With <paramref name="plus"/>, each entry except "." and ".." carries an EntryReply and counts as a lookup.</summary>
    ValueTask<Result<IReadOnlyList<DirEntry>>> ReadDirAsync(RequestContext ctx, ulong ino, ulong handle, long offset, bool plus);
    /// <summary>Tells the VFS how many entries of the last ReadDirAsync batch were actually handed to the kernel
    /// (for readdirplus lookup counting): entries [0, packed) were used.</summary>
    void ReadDirPacked(ulong ino, ulong handle, IReadOnlyList<DirEntry> batch, int packed);
    ValueTask<Errno> ReleaseDirAsync(ulong ino, ulong handle);
    ValueTask<Errno> FsyncDirAsync(RequestContext ctx, ulong ino, ulong handle, bool dataOnly);

    ValueTask<Result<StatFsReply>> StatFsAsync(RequestContext ctx, ulong ino);
    ValueTask<Errno> SetXattrAsync(RequestContext ctx, ulong ino, string name, ReadOnlyMemory<byte> value, int flags);
    /// <summary>The value of an extended attribute (the adapter handles size 0 = "how big" and ERANGE).</summary>
    ValueTask<Result<byte[]>> GetXattrAsync(RequestContext ctx, ulong ino, string name);
    /// <summary>The NUL-separated list of names (the adapter handles size 0 and ERANGE).</summary>
    ValueTask<Result<byte[]>> ListXattrAsync(RequestContext ctx, ulong ino);
    ValueTask<Errno> RemoveXattrAsync(RequestContext ctx, ulong ino, string name);
    ValueTask<Errno> AccessAsync(RequestContext ctx, ulong ino, int mask);
}
