namespace CurveFs.Mount.Data;

/// <summary>Buffering and caching limits of the data path.</summary>
public sealed record DataClientOptions
{
    /// <summary>The memory budget for written data of all files together, buffered or being uploaded;
    /// writers wait while it is used. Full blocks upload in the background as soon as they fill.</summary>
    public long WriteBudgetBytes { get; init; } = 256L << 20;
    /// <summary>Memory for cached blocks.</summary>
    public long BlockCacheBytes { get; init; } = 128L << 20;
    /// <summary>Object-store requests in flight at once.</summary>
    public int MaxConcurrentRequests { get; init; } = 16;
    /// <summary>The first wait before a failed background upload is tried again; it doubles up to <see cref="UploadRetryMaxDelay"/>.</summary>
    public TimeSpan UploadRetryDelay { get; init; } = TimeSpan.FromMilliseconds(200);
    public TimeSpan UploadRetryMaxDelay { get; init; } = TimeSpan.FromSeconds(10);

    // Reading (see docs/caching.md).

    /// <summary>The largest read-ahead window of a sequential reader (it starts at one block and doubles);
    /// capped at half of <see cref="BlockCacheBytes"/>. 0 turns read-ahead off.</summary>
    public long ReadAheadMaxBytes { get; init; } = 64L << 20;

    // Compaction (see docs/data-layout.md).

    /// <summary>A chunk with more slices shorter than a block than this is rewritten as one slice in the background.</summary>
    public int CompactionSliceThreshold { get; init; } = 16;
    /// <summary>Chunks compacted at once (each holds up to a chunk of data in memory meanwhile). 0 turns compaction off.</summary>
    public int CompactionConcurrency { get; init; } = 1;

    // Local disk cache (see docs/caching.md): off unless DiskCacheDir is set.

    /// <summary>Where blocks are kept across mounts, in a subdirectory per filesystem UUID. Null: no disk cache.</summary>
    public string? DiskCacheDir { get; init; }
    /// <summary>The most the disk cache holds (files and their checksums); least recently used blocks go first.</summary>
    public long DiskCacheBytes { get; init; } = 10L << 30;
    /// <summary>Bytes of fetched blocks waiting to be written to the disk cache; blocks beyond it are not
    /// cached, so reads never wait for the cache disk.</summary>
    public long DiskCacheWriteQueueBytes { get; init; } = 64L << 20;
    /// <summary>The share of the cache disk that must stay free: before writing a block the cache deletes its
    /// least recently used blocks, or skips the block, rather than take the disk below it.</summary>
    public double DiskCacheFreeRatio { get; init; } = 0.1;
    /// <summary>(available, total) bytes of the filesystem holding a directory; tests replace it.</summary>
    public Func<string, (long Available, long Total)> DiskSpace { get; init; } = static path =>
    {
        var drive = new DriveInfo(path);
        return (drive.AvailableFreeSpace, drive.TotalSize);
    };
}
