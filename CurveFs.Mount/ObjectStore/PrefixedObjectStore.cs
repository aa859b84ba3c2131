using System.Runtime.CompilerServices;

namespace CurveFs.Mount.ObjectStore;

/// <summary>
/// Puts every key of an inner store under a fixed prefix ("fs1/"), so several users can share one bucket or
/// directory. Listed keys come back without the prefix. Disposing disposes the inner store.
/// </summary>
public sealed class PrefixedObjectStore(IObjectStore inner, string prefix) : IObjectStore
{
    private readonly IObjectStore _inner = inner ?? throw new ArgumentNullException(nameof(inner));
    private readonly string _prefix = string.IsNullOrEmpty(prefix) ? throw new ArgumentException("the key prefix is empty", nameof(prefix)) : prefix;

    public string Description => $"{_inner.Description} under prefix '{_prefix}'";

    public Task PutAsync(string key, ReadOnlyMemory<byte> data, CancellationToken cancellationToken = default) =>
        _inner.PutAsync(_prefix + key, data, cancellationToken);

    public Task SyncAsync(CancellationToken cancellationToken = default) => _inner.SyncAsync(cancellationToken);

    public async Task<int> GetAsync(string key, long offset, Memory<byte> destination, CancellationToken cancellationToken = default)
    {
        try
        {
            return await _inner.GetAsync(_prefix + key, offset, destination, cancellationToken).ConfigureAwait(false);
        }
        catch (ObjectNotFoundException e)
        {
            throw new ObjectNotFoundException(key, e); // report the key the caller knows
        }
    }

    public async Task<ObjectInfo?> HeadAsync(string key, CancellationToken cancellationToken = default) =>
        await _inner.HeadAsync(_prefix + key, cancellationToken).ConfigureAwait(false) is ObjectInfo info ? info with { Key = key } : null;

    public Task DeleteAsync(string key, CancellationToken cancellationToken = default) =>
        _inner.DeleteAsync(_prefix + key, cancellationToken);

    public Task DeleteManyAsync(IReadOnlyList<string> keys, CancellationToken cancellationToken = default)
    {
        var prefixed = new string[keys.Count];
        for (int i = 0; i < prefixed.Length; i++) prefixed[i] = _prefix + keys[i];
        return _inner.DeleteManyAsync(prefixed, cancellationToken);
    }

    public async IAsyncEnumerable<ObjectInfo> ListAsync(string prefix, string? startAfter = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        string? after = startAfter is null ? null : _prefix + startAfter;
        await foreach (ObjectInfo info in _inner.ListAsync(_prefix + prefix, after, cancellationToken).ConfigureAwait(false))
            yield return info with { Key = info.Key[_prefix.Length..] };
    }

    public Task<string> CreateMultipartAsync(string key, CancellationToken cancellationToken = default) =>
        _inner.CreateMultipartAsync(_prefix + key, cancellationToken);

    public Task<UploadedPart> UploadPartAsync(string key, string uploadId, int partNumber, ReadOnlyMemory<byte> data,
        CancellationToken cancellationToken = default) =>
        _inner.UploadPartAsync(_prefix + key, uploadId, partNumber, data, cancellationToken);

    public Task CompleteMultipartAsync(string key, string uploadId, IReadOnlyList<UploadedPart> parts,
        CancellationToken cancellationToken = default) =>
        _inner.CompleteMultipartAsync(_prefix + key, uploadId, parts, cancellationToken);

    public Task AbortMultipartAsync(string key, string uploadId, CancellationToken cancellationToken = default) =>
        _inner.AbortMultipartAsync(_prefix + key, uploadId, cancellationToken);

    public ValueTask DisposeAsync() => _inner.DisposeAsync();

    public override string ToString() => Description;
}
