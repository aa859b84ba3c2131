namespace CurveFs.Mount.ObjectStore;

/// <summary>What a listing or a head returns about one object.</summary>
public readonly record struct ObjectInfo(string Key, long Size, DateTimeOffset LastModified);

/// <summary>A part of a multipart upload, as CompleteMultipartAsync needs it.</summary>
public readonly record struct UploadedPart(int PartNumber, string ETag);

/// <summary>The object is not in the store.</summary>
public sealed class ObjectNotFoundException(string key, Exception? inner = null)
    : Exception($"object '{key}' does not exist", inner)
{
    public string Key { get; } = key;
}

/// <summary>
/// The small object-store interface every data path goes through (S3, local directory). Keys are
/// '/'-separated relative names. Objects are immutable once written: CurveFs never rewrites a key
/// with different content, so caches may keep what they read.
/// Errors other than "not found" surface as <see cref="ObjectStoreException"/> with the store, key and cause.
/// </summary>
public interface IObjectStore : IAsyncDisposable
{
    /// <summary>A human-readable description for log lines and errors ("s3://bucket at http://host:port").</summary>
    string Description { get; }

    /// <summary>Stores an object. Once this returns, readers see it and a kill -9 of this process cannot lose
    /// it; <see cref="SyncAsync"/> makes it survive a machine crash where a put alone does not.</summary>
    Task PutAsync(string key, ReadOnlyMemory<byte> data, CancellationToken cancellationToken = default);

    /// <summary>Makes every put that has returned survive a machine crash (fsync's half of the data path).
    /// Stores whose puts are durable when acknowledged (S3) do nothing.</summary>
    Task SyncAsync(CancellationToken cancellationToken = default);

    /// <summary>Reads bytes [offset, offset + destination.Length) of the object into destination and returns how
    /// many were read: fewer only when the object ends first (0 when offset is at or past its end).</summary>
    /// <exception cref="ObjectNotFoundException">the object does not exist.</exception>
    Task<int> GetAsync(string key, long offset, Memory<byte> destination, CancellationToken cancellationToken = default);

    /// <summary>Size and time of an object, or null when it does not exist.</summary>
    Task<ObjectInfo?> HeadAsync(string key, CancellationToken cancellationToken = default);

    /// <summary>Deletes an object; deleting a missing object succeeds.</summary>
    Task DeleteAsync(string key, CancellationToken cancellationToken = default);

    /// <summary>Deletes many objects (missing ones are fine), in batches where the store supports it.</summary>
    Task DeleteManyAsync(IReadOnlyList<string> keys, CancellationToken cancellationToken = default);

    /// <summary>Objects whose key starts with prefix, in key order, starting after startAfter when given.</summary>
    IAsyncEnumerable<ObjectInfo> ListAsync(string prefix, string? startAfter = null, CancellationToken cancellationToken = default);

    /// <summary>Starts a multipart upload and returns its upload ID.</summary>
    Task<string> CreateMultipartAsync(string key, CancellationToken cancellationToken = default);
    /// <summary>Uploads one part (numbers from 1; every part but the last at least 5 MiB on S3).</summary>
    Task<UploadedPart> UploadPartAsync(string key, string uploadId, int partNumber, ReadOnlyMemory<byte> data, CancellationToken cancellationToken = default);
    /// <summary>Assembles the parts (in part-number order) into the object.</summary>
    Task CompleteMultipartAsync(string key, string uploadId, IReadOnlyList<UploadedPart> parts, CancellationToken cancellationToken = default);
    Task AbortMultipartAsync(string key, string uploadId, CancellationToken cancellationToken = default);
}

/// <summary>A store operation failed for a reason other than a missing object.</summary>
public sealed class ObjectStoreException(string message, Exception? inner = null) : Exception(message, inner);
