using CurveFs.Common.Data;

namespace CurveFs.Mount.Data;

/// <summary>
/// A local pool of chunk IDs fetched from the MDS (or the embedded counter) in ranges, so a write
/// does not cost a round trip per ID. Thread-safe.
/// </summary>
public sealed class ChunkIdPool(IChunkIdSource source, ulong rangeSize = 1000)
{
    private readonly SemaphoreSlim _refill = new(1, 1);
    private readonly object _lock = new();
    private ulong _next;
    private ulong _end;

    public async ValueTask<ulong> NextAsync(CancellationToken cancellationToken = default)
    {
        while (true)
        {
            lock (_lock)
            {
                if (_next < _end) return _next++;
            }
            await _refill.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                lock (_lock)
                {
                    if (_next < _end) continue;
                }
                var range = await source.ReserveAsync(rangeSize, cancellationToken).ConfigureAwait(false);
                if (range.Count == 0 || range.Start == 0) throw new InvalidOperationException($"chunk ID source returned an unusable range {range}");
                lock (_lock)
                {
                    _next = range.Start;
                    _end = range.Start + range.Count;
                }
            }
            finally
            {
                _refill.Release();
            }
        }
    }
}
