using CurveFs.Mount.ObjectStore;

namespace CurveFs.Tests.Mount;

/// <summary>Passes every call to an inner store; test decorators override what they observe or change.</summary>
public abstract class ForwardingObjectStore(IObjectStore inner) : IObjectStore
{
    protected IObjectStore Inner => inner;

    public virtual string Description => inner.Description;
    public virtual Task PutAsync(string key, ReadOnlyMemory<byte> data, CancellationToken cancellationToken = default) => inner.PutAsync(key, data, cancellationToken);
    public virtual Task SyncAsync(CancellationToken cancellationToken = default) => inner.SyncAsync(cancellationToken);
    public virtual Task<int> GetAsync(string key, long offset, Memory<byte> destination, CancellationToken cancellationToken = default) => inner.GetAsync(key, offset, destination, cancellationToken);
    public virtual Task<ObjectInfo?> HeadAsync(string key, CancellationToken cancellationToken = default) => inner.HeadAsync(key, cancellationToken);
    public virtual Task DeleteAsync(string key, CancellationToken cancellationToken = default) => inner.DeleteAsync(key, cancellationToken);
    public virtual Task DeleteManyAsync(IReadOnlyList<string> keys, CancellationToken cancellationToken = default) => inner.DeleteManyAsync(keys, cancellationToken);
    public virtual IAsyncEnumerable<ObjectInfo> ListAsync(string prefix, string? startAfter = null, CancellationToken cancellationToken = default) => inner.ListAsync(prefix, startAfter, cancellationToken);
    public virtual Task<string> CreateMultipartAsync(string key, CancellationToken cancellationToken = default) => inner.CreateMultipartAsync(key, cancellationToken);
    public virtual Task<UploadedPart> UploadPartAsync(string key, string uploadId, int partNumber, ReadOnlyMemory<byte> data, CancellationToken cancellationToken = default) =>
        inner.UploadPartAsync(key, uploadId, partNumber, data, cancellationToken);
    public virtual Task CompleteMultipartAsync(string key, string uploadId, IReadOnlyList<UploadedPart> parts, CancellationToken cancellationToken = default) =>
        inner.CompleteMultipartAsync(key, uploadId, parts, cancellationToken);
    public virtual Task AbortMultipartAsync(string key, string uploadId, CancellationToken cancellationToken = default) => inner.AbortMultipartAsync(key, uploadId, cancellationToken);
    public virtual ValueTask DisposeAsync() => inner.DisposeAsync();
}
