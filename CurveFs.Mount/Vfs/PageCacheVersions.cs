using System.Collections.Concurrent;

namespace CurveFs.Mount.Vfs;

/// <summary>
/// Which version (mtime, size) of each file the kernel's page cache may hold, as of the last open
/// through this mount. An open keeps the page cache (FOPEN_KEEP_CACHE) only when the file still has
/// that version; otherwise the kernel drops it, so data another client wrote before the open is read
/// fresh (close-to-open). Writes through this mount change mtime too, which costs a re-read after the
/// next open, never a stale one.
/// </summary>
internal sealed class PageCacheVersions
{
    private readonly ConcurrentDictionary<ulong, (long MtimeNs, ulong Length)> _opened = new();

    /// <summary>Records the version an open sees and says whether the cached pages are still that version.</summary>
    public bool OpenMayKeepCache(ulong ino, long mtimeNs, ulong length)
    {
        var now = (mtimeNs, length);
        var keep = _opened.TryGetValue(ino, out var before) && before == now;
        _opened[ino] = now;
        return keep;
    }

    /// <summary>The kernel forgot the inode (its pages went with it) or the file is gone.</summary>
    public void Forget(ulong ino) => _opened.TryRemove(ino, out _);
}
