using CurveFs.Common.Meta;

namespace CurveFs.Mount.Data;

/// <summary>
/// What reads need from the metadata service, per inode: committed slice lists per chunk index and the
/// committed file length. Entries are dropped when this client commits, truncates or fallocates, and
/// when a file is opened (close-to-open: another client may have written it). A per-inode generation
/// keeps a fetch that raced with an invalidation from caching what it saw.
/// </summary>
internal sealed class SliceCache
{
    private readonly object _lock = new();
    private readonly Dictionary<ulong, InodeEntry> _inodes = [];

    private sealed class InodeEntry
    {
        public long Generation;
        public ulong? Length;
        public readonly Dictionary<ulong, List<SliceRecord>> Chunks = [];
    }

    private InodeEntry EntryOf(ulong ino)
    {
        if (!_inodes.TryGetValue(ino, out var entry)) _inodes[ino] = entry = new InodeEntry();
        return entry;
    }

    /// <summary>The cached list, or null and the generation to pass to <see cref="Store"/>.</summary>
    public List<SliceRecord>? TryGet(ulong ino, ulong chunkIndex, out long generation)
    {
        lock (_lock)
        {
            var entry = EntryOf(ino);
            generation = entry.Generation;
            return entry.Chunks.GetValueOrDefault(chunkIndex);
        }
    }

    /// <summary>The cached committed length, or null and the generation to pass to <see cref="StoreLength"/>.</summary>
    public ulong? TryGetLength(ulong ino, out long generation)
    {
        lock (_lock)
        {
            var entry = EntryOf(ino);
            generation = entry.Generation;
            return entry.Length;
        }
    }

    public void StoreLength(ulong ino, long generation, ulong length)
    {
        lock (_lock)
        {
            if (_inodes.TryGetValue(ino, out var entry) && entry.Generation == generation) entry.Length = length;
        }
    }

    public void Store(ulong ino, ulong chunkIndex, long generation, List<SliceRecord> slices)
    {
        lock (_lock)
        {
            if (_inodes.TryGetValue(ino, out var entry) && entry.Generation == generation) entry.Chunks[chunkIndex] = slices;
        }
    }

    /// <summary>Invalidates an inode whose cached length is not <paramref name="length"/>; an inode with no
    /// cached length (a directory, a file not read yet) is left alone and gets no entry.</summary>
    public void InvalidateIfLengthDiffers(ulong ino, ulong length)
    {
        lock (_lock)
        {
            if (_inodes.TryGetValue(ino, out var entry) && entry.Length is { } cached && cached != length) InvalidateLocked(entry);
        }
    }

    public void Invalidate(ulong ino)
    {
        lock (_lock)
        {
            if (_inodes.TryGetValue(ino, out var entry)) InvalidateLocked(entry);
        }
    }

    private static void InvalidateLocked(InodeEntry entry)
    {
        entry.Generation++;
        entry.Length = null;
        entry.Chunks.Clear();
    }

    /// <summary>Forgets an inode entirely (the kernel forgot it, or it was deleted).</summary>
    public void Remove(ulong ino)
    {
        lock (_lock)
        {
            if (_inodes.Remove(ino, out var entry)) entry.Generation++;
        }
    }
}
