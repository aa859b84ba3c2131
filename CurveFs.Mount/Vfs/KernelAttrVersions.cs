using System.Collections.Concurrent;

namespace CurveFs.Mount.Vfs;

/// <summary>
/// The version (mtime, size) of each file in the last attributes this mount gave the kernel. The kernel keeps
/// attributes for the attribute timeout and cuts reads at the size it knows, so when an open finds a newer
/// version (another client wrote and closed the file) the kernel's attributes are invalidated: the read
/// after the open then sees the whole file (close-to-open), not the length cached before.
/// </summary>
internal sealed class KernelAttrVersions
{
    private readonly ConcurrentDictionary<ulong, (long MtimeNs, ulong Length)> _told = new();

    public void Told(ulong ino, long mtimeNs, ulong length) => _told[ino] = (mtimeNs, length);

    /// <summary>True when the kernel may hold attributes of another version than this one.</summary>
    public bool IsStale(ulong ino, long mtimeNs, ulong length) => _told.TryGetValue(ino, out var told) && told != (mtimeNs, length);

    public void Forget(ulong ino) => _told.TryRemove(ino, out _);
}
