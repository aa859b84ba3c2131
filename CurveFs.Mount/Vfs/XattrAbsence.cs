using System.Collections.Concurrent;
using CurveFs.Common.Meta;

namespace CurveFs.Mount.Vfs;

/// <summary>
/// Inodes this mount knows to have no extended attributes, from the last attributes it fetched, trusted for
/// as long as the kernel may cache attributes. The kernel asks for security.capability before every write()
/// (only FUSE_HANDLE_KILLPRIV_V2 stops that, and libfuse 3.14 cannot negotiate it); answering from here
/// saves a metadata round trip per write.
/// </summary>
internal sealed class XattrAbsence(double trustSeconds)
{
    private readonly ConcurrentDictionary<ulong, long> _absentUntil = new();
    private readonly long _trustMs = (long)(trustSeconds * 1000);

    public void Note(InodeRecord inode)
    {
        if (inode.XattrCount == 0 && _trustMs > 0) _absentUntil[inode.Ino] = Environment.TickCount64 + _trustMs;
        else _absentUntil.TryRemove(inode.Ino, out _);
    }

    public bool IsKnownAbsent(ulong ino) => _absentUntil.TryGetValue(ino, out var until) && Environment.TickCount64 < until;

    public void Forget(ulong ino) => _absentUntil.TryRemove(ino, out _);
}
