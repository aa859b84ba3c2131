using System.Collections.Concurrent;

namespace CurveFs.Mount.Vfs;

/// <summary>An open file or directory handle.</summary>
internal sealed class FileHandle(ulong ino, int flags, bool isDirectory)
{
    public ulong Ino { get; } = ino;
    public int Flags { get; } = flags;
    public bool IsDirectory { get; } = isDirectory;
    /// <summary>For directories: the listing taken when reading started (offset 0), so later pages are consistent.</summary>
    public List<DirEntry>? Listing { get; set; }
    /// <summary>For files: how this handle reads, for read-ahead (per handle, so two readers of one file do not confuse it).</summary>
    public Data.ReadPattern ReadPattern { get; } = new();
}

/// <summary>
/// Open handles, and how many are open per inode, so an inode whose last link is removed while it is
/// open is purged only when its last handle closes (unlinked-but-open files stay readable).
/// </summary>
internal sealed class OpenFiles
{
    private readonly ConcurrentDictionary<ulong, FileHandle> _handles = new();
    private readonly Dictionary<ulong, int> _openCount = [];
    private readonly HashSet<ulong> _unlinked = [];
    private long _nextHandle;

    public ulong Open(ulong ino, int flags, bool isDirectory)
    {
        var handle = (ulong)Interlocked.Increment(ref _nextHandle);
        _handles[handle] = new FileHandle(ino, flags, isDirectory);
        lock (_openCount) _openCount[ino] = _openCount.GetValueOrDefault(ino) + 1;
        return handle;
    }

    public FileHandle? Get(ulong handle) => _handles.GetValueOrDefault(handle);

    /// <summary>Closes a handle. Returns true when it was the last one of an inode whose last link is gone:
    /// the caller then purges the inode.</summary>
    public bool Close(ulong handle, out ulong ino)
    {
        ino = 0;
        if (!_handles.TryRemove(handle, out var h)) return false;
        ino = h.Ino;
        lock (_openCount)
        {
            var count = _openCount.GetValueOrDefault(h.Ino) - 1;
            if (count > 0)
            {
                _openCount[h.Ino] = count;
                return false;
            }
            _openCount.Remove(h.Ino);
            return _unlinked.Remove(h.Ino);
        }
    }

    public bool IsOpen(ulong ino)
    {
        lock (_openCount) return _openCount.ContainsKey(ino);
    }

    /// <summary>Records that an inode lost its last link. Returns true when no handle holds it, so the
    /// caller purges it now; otherwise the last close will report it.</summary>
    public bool MarkUnlinked(ulong ino)
    {
        lock (_openCount)
        {
            if (!_openCount.ContainsKey(ino)) return true;
            _unlinked.Add(ino);
            return false;
        }
    }
}
