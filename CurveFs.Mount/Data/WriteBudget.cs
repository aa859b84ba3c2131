namespace CurveFs.Mount.Data;

/// <summary>
/// The memory budget for buffered writes of a whole mount, in bytes. Writers acquire before they copy
/// data in and wait (first come, first served) while the budget is used; the bytes come back when
/// their slices are committed or discarded. Requests must not exceed the limit.
/// </summary>
internal sealed class WriteBudget(long limit)
{
    private readonly object _lock = new();
    private readonly Queue<(long Bytes, TaskCompletionSource Granted)> _waiters = new();
    private long _held;

    public long Limit { get; } = limit;

    public long Held
    {
        get { lock (_lock) return _held; }
    }

    /// <summary>Takes the bytes when they fit now and nobody is waiting before us.</summary>
    public bool TryAcquire(long bytes)
    {
        lock (_lock)
        {
            if (_waiters.Count > 0 || _held + bytes > Limit) return false;
            _held += bytes;
            return true;
        }
    }

    public Task AcquireAsync(long bytes)
    {
        if (bytes > Limit) throw new ArgumentOutOfRangeException(nameof(bytes), $"a request of {bytes} bytes can never fit a write budget of {Limit}");
        lock (_lock)
        {
            if (_waiters.Count == 0 && _held + bytes <= Limit)
            {
                _held += bytes;
                return Task.CompletedTask;
            }
            var granted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Enqueue((bytes, granted));
            return granted.Task;
        }
    }

    public void Release(long bytes)
    {
        if (bytes == 0) return;
        lock (_lock)
        {
            _held -= bytes;
            if (_held < 0) throw new InvalidOperationException($"write budget released more than it handed out ({_held} bytes held)");
            while (_waiters.TryPeek(out var next) && _held + next.Bytes <= Limit)
            {
                _waiters.Dequeue();
                _held += next.Bytes;
                next.Granted.SetResult();
            }
        }
    }
}
