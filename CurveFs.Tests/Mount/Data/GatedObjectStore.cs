using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using CurveFs.Mount.ObjectStore;

namespace CurveFs.Tests.Mount.Data;

/// <summary>
/// An in-memory object store for data-path unit tests that can hold puts until the test releases
/// them (<see cref="Hold"/>), fail them (<see cref="FailPuts"/>), and counts what is in flight: the
/// most puts at once and the most bytes inside puts at once.
/// </summary>
internal sealed class GatedObjectStore : IObjectStore
{
    private readonly ConcurrentDictionary<string, byte[]> _objects = new();
    private readonly object _lock = new();
    private TaskCompletionSource _release = NewGate();
    private int _inFlight;
    private long _bytesInFlight;

    /// <summary>Puts for which this returns true wait until <see cref="ReleaseHeld"/>.</summary>
    public Func<string, ReadOnlyMemory<byte>, bool> Hold { get; set; } = static (_, _) => false;
    public volatile bool FailPuts;
    /// <summary>Called at the start of every put (to sample the client's state).</summary>
    public Action? OnPut { get; set; }

    public int MaxInFlight { get; private set; }
    public long MaxBytesInFlight { get; private set; }
    public int InFlight { get { lock (_lock) return _inFlight; } }
    public int Puts => _objects.Count;
    public int HeldPuts;

    public string Description => "gated memory store";

    public void ReleaseHeld()
    {
        TaskCompletionSource release;
        lock (_lock)
        {
            release = _release;
            _release = NewGate();
        }
        release.SetResult();
    }

    public Task SyncAsync(CancellationToken cancellationToken = default) => Task.CompletedTask;

    public async Task PutAsync(string key, ReadOnlyMemory<byte> data, CancellationToken cancellationToken = default)
    {
        OnPut?.Invoke();
        Task gate;
        lock (_lock)
        {
            _inFlight++;
            _bytesInFlight += data.Length;
            MaxInFlight = Math.Max(MaxInFlight, _inFlight);
            MaxBytesInFlight = Math.Max(MaxBytesInFlight, _bytesInFlight);
            gate = Hold(key, data) ? _release.Task : Task.CompletedTask;
        }
        try
        {
            if (!gate.IsCompleted)
            {
                Interlocked.Increment(ref HeldPuts);
                await gate.ConfigureAwait(false);
            }
            await Task.Yield();
            if (FailPuts) throw new ObjectStoreException($"put {key}: injected failure");
            _objects[key] = data.ToArray();
        }
        finally
        {
            lock (_lock)
            {
                _inFlight--;
                _bytesInFlight -= data.Length;
            }
        }
    }

    public Task<int> GetAsync(string key, long offset, Memory<byte> destination, CancellationToken cancellationToken = default)
    {
        if (!_objects.TryGetValue(key, out var data)) throw new ObjectNotFoundException(key);
        var count = (int)Math.Max(0, Math.Min(destination.Length, data.Length - offset));
        data.AsSpan((int)Math.Min(offset, data.Length), count).CopyTo(destination.Span);
        return Task.FromResult(count);
    }

    public Task<ObjectInfo?> HeadAsync(string key, CancellationToken cancellationToken = default) =>
        Task.FromResult(_objects.TryGetValue(key, out var data) ? new ObjectInfo(key, data.Length, DateTimeOffset.UtcNow) : (ObjectInfo?)null);

    public Task DeleteAsync(string key, CancellationToken cancellationToken = default)
    {
        _objects.TryRemove(key, out _);
        return Task.CompletedTask;
    }

    public Task DeleteManyAsync(IReadOnlyList<string> keys, CancellationToken cancellationToken = default)
    {
        foreach (var key in keys) _objects.TryRemove(key, out _);
        return Task.CompletedTask;
    }

    public async IAsyncEnumerable<ObjectInfo> ListAsync(string prefix, string? startAfter = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await Task.Yield();
        foreach (var key in _objects.Keys.Where(k => k.StartsWith(prefix, StringComparison.Ordinal) && (startAfter is null || string.CompareOrdinal(k, startAfter) > 0)).Order(StringComparer.Ordinal))
            yield return new ObjectInfo(key, _objects[key].Length, DateTimeOffset.UtcNow);
    }

    public Task<string> CreateMultipartAsync(string key, CancellationToken cancellationToken = default) => throw new NotSupportedException();
    public Task<UploadedPart> UploadPartAsync(string key, string uploadId, int partNumber, ReadOnlyMemory<byte> data, CancellationToken cancellationToken = default) => throw new NotSupportedException();
    public Task CompleteMultipartAsync(string key, string uploadId, IReadOnlyList<UploadedPart> parts, CancellationToken cancellationToken = default) => throw new NotSupportedException();
    public Task AbortMultipartAsync(string key, string uploadId, CancellationToken cancellationToken = default) => throw new NotSupportedException();
    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private static TaskCompletionSource NewGate() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
