namespace CurveFs.Mount.Data;

/// <summary>
/// The uncommitted writes of one inode. <see cref="Dirty"/> holds slices still taking writes;
/// <see cref="Pieces"/> sealed slices being uploaded or waiting to commit. Both are in write order, and
/// everything in Dirty is newer than everything in Pieces (sealing always takes a prefix of Dirty).
/// All fields are guarded by <see cref="Lock"/>; <see cref="FlushLock"/> lets one flush run at a time
/// and <see cref="CommitLock"/> one commit.
/// </summary>
internal sealed class InodeWriteBuffer(ulong ino)
{
    public ulong Ino { get; } = ino;
    public object Lock { get; } = new();
    public SemaphoreSlim FlushLock { get; } = new(1, 1);
    public SemaphoreSlim CommitLock { get; } = new(1, 1);
    public List<DirtySlice> Dirty { get; set; } = [];
    public List<UploadPiece> Pieces { get; } = [];
    /// <summary>Bytes held by Dirty.</summary>
    public long DirtyBytes { get; set; }
    /// <summary>The end offset of the furthest uncommitted write (0 when none): the file is at least this long.</summary>
    public ulong PendingEnd { get; set; }
    /// <summary>Bumped every time a commit lands, so a reader can tell its view of committed data went stale.</summary>
    public long CommitVersion { get; set; }
    /// <summary>Where the newest write ended: a write starting there continues a sequential stream.</summary>
    public ulong StreamEnd { get; set; }
    /// <summary>When the newest buffered write happened: the commit stamps it as the file's mtime.</summary>
    public long LastWriteNs { get; set; }
    /// <summary>The inode is gone: nothing more is committed and buffers go back as soon as nobody uses them.</summary>
    public bool Discarded { get; set; }
    /// <summary>A background loop retries a failed commit; other uploads need not start one.</summary>
    public bool CommitRetrying { get; set; }

    /// <summary>Slices this client committed per chunk index since it last offered the chunk for compaction.</summary>
    public Dictionary<ulong, int> CommittedPerChunk { get; } = [];

    public bool IsEmpty => Dirty.Count == 0 && Pieces.Count == 0;
}
