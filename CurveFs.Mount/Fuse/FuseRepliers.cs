using System.Buffers;
using CurveFs.Common.Fs;
using CurveFs.Mount.Vfs;

namespace CurveFs.Mount.Fuse;

// One replier per reply shape. See IFuseReplier: managed work first, one fuse_reply_* call last.

internal readonly struct ErrnoReplier : IFuseReplier<Errno>
{
    public void Send(nint req, Errno result) => FuseReply.Error(req, result);
    public void Release() { }
}

internal readonly unsafe struct EntryReplier(FuseDispatcher d, string op) : IFuseReplier<Result<EntryReply>>
{
    public void Send(nint req, Result<EntryReply> result)
    {
        if (!result.Ok)
        {
            FuseReply.Error(req, result.Error);
            return;
        }
        FuseEntryParam e;
        FuseReply.ToEntryParam(result.Value, &e);
        int rc = FuseNative.fuse_reply_entry(req, &e);
        if (rc != 0)
        {
            d.ReplyNotSent(op, e.Ino, rc);
            d.ForgetUnsent(op, e.Ino);
        }
    }

    public void Release() { }
}

internal readonly unsafe struct AttrReplier : IFuseReplier<Result<AttrReply>>
{
    public void Send(nint req, Result<AttrReply> result)
    {
        if (!result.Ok)
        {
            FuseReply.Error(req, result.Error);
            return;
        }
        NativeStat st;
        FuseReply.ToStat(result.Value.Attr, &st);
        FuseNative.fuse_reply_attr(req, &st, result.Value.AttrTimeoutSeconds);
    }

    public void Release() { }
}

internal readonly struct ReadLinkReplier : IFuseReplier<Result<byte[]>>
{
    public void Send(nint req, Result<byte[]> result)
    {
        if (!result.Ok)
        {
            FuseReply.Error(req, result.Error);
            return;
        }
        FuseReply.ReadLink(req, result.Value ?? throw new InvalidOperationException("the VFS returned a null link target"));
    }

    public void Release() { }
}

internal readonly unsafe struct OpenReplier(FuseDispatcher d, string op, ulong ino, bool directory) : IFuseReplier<Result<OpenReply>>
{
    public void Send(nint req, Result<OpenReply> result)
    {
        if (!result.Ok)
        {
            FuseReply.Error(req, result.Error);
            return;
        }
        FuseFileInfo fi = FuseReply.ToFileInfo(result.Value);
        int rc = FuseNative.fuse_reply_open(req, &fi);
        if (rc != 0)
        {
            d.ReplyNotSent(op, ino, rc);
            d.ReleaseUnsent(op, ino, fi.Fh, directory);
        }
    }

    public void Release() { }
}

internal readonly unsafe struct CreateReplier(FuseDispatcher d) : IFuseReplier<Result<(EntryReply Entry, OpenReply Open)>>
{
    public void Send(nint req, Result<(EntryReply Entry, OpenReply Open)> result)
    {
        if (!result.Ok)
        {
            FuseReply.Error(req, result.Error);
            return;
        }
        FuseEntryParam e;
        FuseReply.ToEntryParam(result.Value.Entry, &e);
        FuseFileInfo fi = FuseReply.ToFileInfo(result.Value.Open);
        int rc = FuseNative.fuse_reply_create(req, &e, &fi);
        if (rc != 0)
        {
            d.ReplyNotSent("create", e.Ino, rc);
            d.ForgetUnsent("create", e.Ino);
            d.ReleaseUnsent("create", e.Ino, fi.Fh, directory: false);
        }
    }

    public void Release() { }
}

/// <summary>Owns the rented read buffer the VFS fills; returns it after the reply.</summary>
internal readonly unsafe struct ReadReplier(byte[] buffer, int size) : IFuseReplier<Result<int>>
{
    public void Send(nint req, Result<int> result)
    {
        if (!result.Ok)
        {
            FuseReply.Error(req, result.Error);
            return;
        }
        int count = result.Value;
        if ((uint)count > (uint)size)
            throw new InvalidOperationException($"the VFS reported {count} bytes read into a {size}-byte buffer");
        fixed (byte* p = buffer)
            FuseNative.fuse_reply_buf(req, p, (nuint)count);
    }

    public void Release() => ArrayPool<byte>.Shared.Return(buffer);
}

/// <summary>Owns the rented copy of the write data; returns it once the VFS is done with it.</summary>
internal readonly struct WriteReplier(byte[] buffer, int size) : IFuseReplier<Result<int>>
{
    public void Send(nint req, Result<int> result)
    {
        if (!result.Ok)
        {
            FuseReply.Error(req, result.Error);
            return;
        }
        int count = result.Value;
        if ((uint)count > (uint)size)
            throw new InvalidOperationException($"the VFS reported {count} bytes written of {size}");
        FuseNative.fuse_reply_write(req, (nuint)count);
    }

    public void Release() => ArrayPool<byte>.Shared.Return(buffer);
}

internal readonly unsafe struct StatFsReplier : IFuseReplier<Result<StatFsReply>>
{
    public void Send(nint req, Result<StatFsReply> result)
    {
        if (!result.Ok)
        {
            FuseReply.Error(req, result.Error);
            return;
        }
        NativeStatVfs st;
        FuseReply.ToStatVfs(result.Value, &st);
        FuseNative.fuse_reply_statfs(req, &st);
    }

    public void Release() { }
}

/// <summary>getxattr/listxattr: size 0 asks how big the value is; a value longer than size is ERANGE.</summary>
internal readonly unsafe struct XattrReplier(int size) : IFuseReplier<Result<byte[]>>
{
    public void Send(nint req, Result<byte[]> result)
    {
        if (!result.Ok)
        {
            FuseReply.Error(req, result.Error);
            return;
        }
        byte[] value = result.Value ?? [];
        if (size == 0)
        {
            FuseNative.fuse_reply_xattr(req, (nuint)value.Length);
            return;
        }
        if (value.Length > size)
        {
            FuseReply.Error(req, Errno.ERANGE);
            return;
        }
        fixed (byte* p = value)
            FuseNative.fuse_reply_buf(req, p, (nuint)value.Length);
    }

    public void Release() { }
}
