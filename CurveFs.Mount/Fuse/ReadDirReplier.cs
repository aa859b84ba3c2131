using System.Buffers;
using CurveFs.Common.Fs;
using CurveFs.Mount.Vfs;

namespace CurveFs.Mount.Fuse;

/// <summary>
/// Packs a ReadDirAsync batch into the kernel's buffer of <c>size</c> bytes with fuse_add_direntry(_plus),
/// stops at the first entry that does not fit, tells the VFS how many were used (readdirplus lookup
/// counting), then replies. If the kernel does not take the reply, the lookups it would have counted are
/// forgotten again.
/// </summary>
internal readonly unsafe struct ReadDirReplier(FuseDispatcher d, ulong ino, ulong handle, int size, bool plus)
    : IFuseReplier<Result<IReadOnlyList<DirEntry>>>
{
    // The kernel rejects names longer than this (FUSE_NAME_MAX).
    private const int MaxName = 1024;

    private string Op => plus ? "readdirplus" : "readdir";

    public void Send(nint req, Result<IReadOnlyList<DirEntry>> result)
    {
        if (!result.Ok)
        {
            FuseReply.Error(req, result.Error);
            return;
        }
        IReadOnlyList<DirEntry> entries = result.Value ?? [];
        byte[] buffer = ArrayPool<byte>.Shared.Rent(Math.Max(size, 1));
        try
        {
            byte* name = stackalloc byte[MaxName + 1];
            fixed (byte* start = buffer)
            {
                int used = 0;
                int packed = 0;
                for (; packed < entries.Count; packed++)
                {
                    DirEntry entry = entries[packed];
                    if (entry.Name is null || entry.Name.Length is 0 or > MaxName)
                        throw new InvalidOperationException($"directory entry {packed} has an invalid name length {entry.Name?.Length ?? 0}");
                    entry.Name.CopyTo(new Span<byte>(name, MaxName));
                    name[entry.Name.Length] = 0;

                    nuint remaining = (nuint)(size - used);
                    nuint needed = plus ? AddPlus(req, start + used, remaining, name, entry) : Add(req, start + used, remaining, name, entry);
                    if (needed > remaining) break;
                    used += (int)needed;
                }

                d.Vfs.ReadDirPacked(ino, handle, entries, packed);
                if (packed == 0 && entries.Count > 0)
                {
                    // Not even one entry fits; an empty reply would read as the end of the directory.
                    FuseReply.Error(req, Errno.EINVAL);
                    return;
                }
                int rc = FuseNative.fuse_reply_buf(req, start, (nuint)used);
                if (rc != 0)
                {
                    d.ReplyNotSent(Op, ino, rc);
                    if (plus) ForgetUnsent(entries, packed);
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    public void Release() { }

    private static nuint Add(nint req, byte* buf, nuint remaining, byte* name, in DirEntry entry)
    {
        // Plain readdir only uses the inode number and the type bits of the mode.
        NativeStat st = default;
        st.Ino = entry.Ino;
        st.Mode = entry.Mode;
        return FuseNative.fuse_add_direntry(req, buf, remaining, name, &st, entry.Offset);
    }

    private static nuint AddPlus(nint req, byte* buf, nuint remaining, byte* name, in DirEntry entry)
    {
        FuseEntryParam e = default;
        if (entry.Entry is { } reply)
        {
            FuseReply.ToEntryParam(reply, &e);
        }
        else
        {
            // ino 0 in the entry part: the kernel takes the name but creates no dentry and counts no lookup.
            e.Attr.Ino = entry.Ino;
            e.Attr.Mode = entry.Mode;
        }
        return FuseNative.fuse_add_direntry_plus(req, buf, remaining, name, &e, entry.Offset);
    }

    // Runs after the reply attempt, so it must not throw.
    private void ForgetUnsent(IReadOnlyList<DirEntry> entries, int packed)
    {
        try
        {
            for (int i = 0; i < packed; i++)
            {
                DirEntry entry = entries[i];
                if (entry.Entry is { } reply && !IsDotOrDotDot(entry.Name))
                    d.ForgetUnsent(Op, reply.Attr.Ino);
            }
        }
        catch (Exception ex)
        {
            FuseFirewall.LogThrew(d, Op, ino, ex);
        }
    }

    // The kernel never counts a lookup for "." and ".." in readdirplus.
    private static bool IsDotOrDotDot(byte[] name) =>
        name is [(byte)'.'] or [(byte)'.', (byte)'.'];
}
