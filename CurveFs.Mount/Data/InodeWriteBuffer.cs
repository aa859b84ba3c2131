namespace CurveFs.Mount.Data;

/// <summary>
/// The uncommitted writes of one inode. <see cref="Dirty"/> holds writes not yet handed to a flush;
/// <see cref="InFlight"/> those a flush is uploading and committing. Both lists are in write order,
/// and everything in Dirty is newer than everything in InFlight. All fields are guarded by
/// <see cref="Lock"/>; <see cref="FlushLock"/> lets one flush run at a time.
/// </summary>
internal sealed class InodeWriteBuffer(ulong ino)
{
    public ulong Ino { get; } = ino;
    public object Lock { get; } = new();
    public SemaphoreSlim FlushLock { get; } = new(1, 1);
    public List<DirtySlice> Dirty { get; set; } = [];
    public List<DirtySlice> InFlight { get; set; } = [];
    /// <summary>Bytes held by Dirty and InFlight.</summary>
    public long BufferedBytes { get; set; }
    /// <summary>The end offset of the furthest uncommitted write (0 when none): the file is at least this long.</summary>
    public ulong PendingEnd { get; set; }
    /// <summary>Bumped every time a flush commits, so a reader can tell its view of committed data went stale.</summary>
    public long CommitVersion { get; set; }
    /// <summary>When the newest buffered write happened: the commit stamps it as the file's mtime.</summary>
    public long LastWriteNs { get; set; }

    public bool IsEmpty => Dirty.Count == 0 && InFlight.Count == 0;
}
