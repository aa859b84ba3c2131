using System.Collections.Concurrent;
using CurveFs.Mount.ObjectStore;

namespace CurveFs.Tests.Mount;

/// <summary>An object store decorator that counts GETs per key and can hold them at a gate, so tests
/// see how many requests the data path makes and how many it has in flight at once.</summary>
public sealed class CountingObjectStore(IObjectStore inner) : ForwardingObjectStore(inner)
{
    private readonly ConcurrentDictionary<string, int> _gets = new();
    private int _inFlight;
    private int _maxInFlight;

    /// <summary>While set, every GET waits for this task before it reads.</summary>
    public Task? Gate { get; set; }

    private long _bytesRead;

    public int Gets => _gets.Values.Sum();
    /// <summary>Bytes all GETs returned.</summary>
    public long BytesRead => Interlocked.Read(ref _bytesRead);
    public int MaxInFlight => Volatile.Read(ref _maxInFlight);
    public int GetsOf(string key) => _gets.GetValueOrDefault(key);
    public IReadOnlyCollection<string> KeysRead => _gets.Keys.ToList();
    public void Reset() => _gets.Clear();

    /// <summary>Called when the data path asks the store to make its objects durable.</summary>
    public Action? OnSync { get; set; }

    public override Task SyncAsync(CancellationToken cancellationToken = default)
    {
        OnSync?.Invoke();
        return Inner.SyncAsync(cancellationToken);
    }

    public override string Description => "counting " + Inner.Description;

    public override async Task<int> GetAsync(string key, long offset, Memory<byte> destination, CancellationToken cancellationToken = default)
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
            var read = await Inner.GetAsync(key, offset, destination, cancellationToken).ConfigureAwait(false);
            Interlocked.Add(ref _bytesRead, read);
            return read;
        }
        finally
        {
            Interlocked.Decrement(ref _inFlight);
        }
    }
}
