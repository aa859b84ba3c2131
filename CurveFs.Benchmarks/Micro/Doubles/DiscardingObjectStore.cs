using System.Runtime.CompilerServices;
using CurveFs.Mount.ObjectStore;

namespace CurveFs.Benchmarks.Micro.Doubles;

/// <summary>An object store that counts what it is given and keeps nothing: the write-buffer benchmark measures
/// the client's copying and bookkeeping, not a store. Reads find nothing.</summary>
public sealed class DiscardingObjectStore : IObjectStore
{
    private long _bytes;
    private long _puts;

    public string Description => "discarding in-memory store";
    public long Bytes => Interlocked.Read(ref _bytes);
    public long Puts => Interlocked.Read(ref _puts);

    public Task SyncAsync(CancellationToken cancellationToken = default) => Task.CompletedTask;

    public Task PutAsync(string key, ReadOnlyMemory<byte> data, CancellationToken cancellationToken = default)
    {
        Interlocked.Add(ref _bytes, data.Length);
        Interlocked.Increment(ref _puts);
        return Task.CompletedTask;
    }

    public Task<int> GetAsync(string key, long offset, Memory<byte> destination, CancellationToken cancellationToken = default) =>
        Task.FromException<int>(new ObjectNotFoundException(key));

    public Task<ObjectInfo?> HeadAsync(string key, CancellationToken cancellationToken = default) => Task.FromResult<ObjectInfo?>(null);
    public Task DeleteAsync(string key, CancellationToken cancellationToken = default) => Task.CompletedTask;
    public Task DeleteManyAsync(IReadOnlyList<string> keys, CancellationToken cancellationToken = default) => Task.CompletedTask;

    public async IAsyncEnumerable<ObjectInfo> ListAsync(string prefix, string? startAfter = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await Task.CompletedTask.ConfigureAwait(false);
        yield break;
    }

    public Task<string> CreateMultipartAsync(string key, CancellationToken cancellationToken = default) => throw new NotSupportedException();
    public Task<UploadedPart> UploadPartAsync(string key, string uploadId, int partNumber, ReadOnlyMemory<byte> data, CancellationToken cancellationToken = default) => throw new NotSupportedException();
    public Task CompleteMultipartAsync(string key, string uploadId, IReadOnlyList<UploadedPart> parts, CancellationToken cancellationToken = default) => throw new NotSupportedException();
    public Task AbortMultipartAsync(string key, string uploadId, CancellationToken cancellationToken = default) => throw new NotSupportedException();

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
