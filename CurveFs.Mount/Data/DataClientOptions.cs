namespace CurveFs.Mount.Data;

/// <summary>Buffering and caching limits of the data path.</summary>
public sealed record DataClientOptions
{
    /// <summary>A file's buffered writes are uploaded once they reach this many bytes.</summary>
    public long FileBufferBytes { get; init; } = 32L << 20;
    /// <summary>All buffered writes of the mount together; a write that finds the total above it flushes its file first.</summary>
    public long TotalBufferBytes { get; init; } = 256L << 20;
    /// <summary>Memory for cached blocks.</summary>
    public long BlockCacheBytes { get; init; } = 128L << 20;
    /// <summary>Object-store requests in flight at once.</summary>
    public int MaxConcurrentRequests { get; init; } = 16;

    // Reading (see docs/caching.md).

    /// <summary>The largest read-ahead window of a sequential reader (it starts at one block and doubles);
    /// capped at half of <see cref="BlockCacheBytes"/>. 0 turns read-ahead off.</summary>
    public long ReadAheadMaxBytes { get; init; } = 64L << 20;
}
