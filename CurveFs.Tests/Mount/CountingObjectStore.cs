using System.Collections.Concurrent;
using CurveFs.Mount.ObjectStore;

namespace CurveFs.Tests.Mount;

/// <summary>An object store decorator that counts GETs per key and can hold them at a gate, so tests
/// see how many requests the data path makes and how many it has in flight at once.</summary>
public sealed class CountingObjectStore(IObjectStore inner) : IObjectStore
{
    private readonly ConcurrentDictionary<string, int> _gets = new();
    private int _inFlight;
    private int _maxInFlight;

    /// <summary>While set, every GET waits for this task before it reads.</summary>
    public Task? Gate { get; set; }

    public int Gets => _gets.Values.Sum();
    public int MaxInFlight => Volatile.Read(ref _maxInFlight);
    public int GetsOf(string key) => _gets.GetValueOrDefault(key);
    public IReadOnlyCollection<string> KeysRead => _gets.Keys.ToList();
    public void Reset() => _gets.Clear();

    public string Description => "counting " + inner.Description;

    public async Task<int> GetAsync(string key, long offset, Memory<byte> destination, CancellationToken cancellationToken = default)
    {
        _gets.AddOrUpdate(key, 1, (_, n) => n + 1);
        var now = Interlocked.Increment(ref _inFlight);
        int seen;
        while (now > (seen = Volatile.Read(ref _maxInFlight)) && Interlocked.CompareExchange(ref _maxInFlight, now, seen) != seen)
        {
        }
        try
        {
            if (Gate is { } gate) await gate.ConfigureAwait(false);
            return await inner.GetAsync(key, offset, destination, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            Interlocked.Decrement(ref _inFlight);
        }
    }

    public Task PutAsync(string key, ReadOnlyMemory<byte> data, CancellationToken cancellationToken = default) => inner.PutAsync(key, data, cancellationToken);
    public Task<ObjectInfo?> HeadAsync(string key, CancellationToken cancellationToken = default) => inner.HeadAsync(key, cancellationToken);
    public Task DeleteAsync(string key, CancellationToken cancellationToken = default) => inner.DeleteAsync(key, cancellationToken);
    public Task DeleteManyAsync(IReadOnlyList<string> keys, CancellationToken cancellationToken = default) => inner.DeleteManyAsync(keys, cancellationToken);
    public IAsyncEnumerable<ObjectInfo> ListAsync(string prefix, string? startAfter = null, CancellationToken cancellationToken = default) => inner.ListAsync(prefix, startAfter, cancellationToken);
    public Task<string> CreateMultipartAsync(string key, CancellationToken cancellationToken = default) => inner.CreateMultipartAsync(key, cancellationToken);
    public Task<UploadedPart> UploadPartAsync(string key, string uploadId, int partNumber, ReadOnlyMemory<byte> data, CancellationToken cancellationToken = default) => inner.UploadPartAsync(key, uploadId, partNumber, data, cancellationToken);
    public Task CompleteMultipartAsync(string key, string uploadId, IReadOnlyList<UploadedPart> parts, CancellationToken cancellationToken = default) => inner.CompleteMultipartAsync(key, uploadId, parts, cancellationToken);
    public Task AbortMultipartAsync(string key, string uploadId, CancellationToken cancellationToken = default) => inner.AbortMultipartAsync(key, uploadId, cancellationToken);
    public ValueTask DisposeAsync() => inner.DisposeAsync();
}
