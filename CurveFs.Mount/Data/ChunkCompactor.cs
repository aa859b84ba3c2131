using Microsoft.Extensions.Logging;

namespace CurveFs.Mount.Data;

/// <summary>
/// Compacts fragmented chunks in the background: takes the chunks the data client offers (after this
/// client committed many slices to one, or a read fetched a long slice list) and rewrites them, with
/// <see cref="DataClientOptions.CompactionConcurrency"/> at once. Writers never wait for it: a chunk
/// whose file has uncommitted writes here is skipped, and commits made meanwhile stay on top.
/// </summary>
public sealed class ChunkCompactor(DataClient data, DataClientOptions options, ILogger logger) : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private Task[] _workers = [];
    private long _compacted;

    /// <summary>Chunks rewritten so far (tests and diagnostics).</summary>
    public long Compacted => Interlocked.Read(ref _compacted);

    public void Start() => _workers = Enumerable.Range(0, options.CompactionConcurrency).Select(_ => Task.Run(RunAsync)).ToArray();

    private async Task RunAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                var (ino, chunkIndex) = await data.CompactionCandidates.TakeAsync(_stop.Token).ConfigureAwait(false);
                if (await data.CompactChunkAsync(ino, chunkIndex, _stop.Token).ConfigureAwait(false) == CompactionOutcome.Compacted)
                    Interlocked.Increment(ref _compacted);
            }
            catch (OperationCanceledException) when (_stop.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                logger.LogWarning(e, "compacting a chunk failed: {Message}", e.Message);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        await Task.WhenAll(_workers).ConfigureAwait(false);
        _stop.Dispose();
    }
}
