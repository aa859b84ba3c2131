using CurveFs.Common.Fs;
using CurveFs.Common.Meta;
using CurveFs.Mount.Meta;
using CurveFs.Mount.ObjectStore;
using Microsoft.Extensions.Logging;

namespace CurveFs.Mount.Data;

/// <summary>
/// Deletes the objects of deleted and truncated-away data in the background: reads the trash queue
/// of the metadata service, deletes every block of each queued chunk ID, then removes the queue
/// entries. Objects go before entries, so a crash in between only repeats deletions (which are
/// idempotent); nothing stays unreferenced and unqueued.
/// </summary>
public sealed class TrashCollector(IMetaClient meta, IObjectStore store, ILogger logger) : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly SemaphoreSlim _wake = new(0);
    private Task _loop = Task.CompletedTask;

    public TimeSpan Interval { get; init; } = TimeSpan.FromSeconds(5);

    public void Start() => _loop = Task.Run(RunAsync);

    /// <summary>Asks for a pass soon (after a delete).</summary>
    public void Poke()
    {
        if (_wake.CurrentCount == 0) _wake.Release();
    }

    private async Task RunAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                await _wake.WaitAsync(Interval, _stop.Token).ConfigureAwait(false);
                await CollectAsync(_stop.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (_stop.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                logger.LogWarning(e, "deleting trashed objects failed, will retry: {Message}", e.Message);
            }
        }
    }

    /// <summary>One pass over the queue; returns how many objects were deleted.</summary>
    public async Task<int> CollectAsync(CancellationToken cancellationToken = default)
    {
        var deleted = 0;
        while (true)
        {
            var batch = await meta.ListTrashAsync(100, cancellationToken).ConfigureAwait(false);
            if (batch.Count == 0) return deleted;
            var keys = new List<string>();
            foreach (var (_, record) in batch) keys.AddRange(ObjectKeysOf(meta.Fs, record));
            await store.DeleteManyAsync(keys, cancellationToken).ConfigureAwait(false);
            deleted += keys.Count;
            var result = await meta.ExecuteAsync(new RemoveTrashCommand { Keys = batch.Select(b => b.Key).ToList(), NowNs = Clock.NowNs() }, cancellationToken).ConfigureAwait(false);
            if (!result.Ok) throw new IOException($"removing {batch.Count} trash entries failed: {result.Error}");
        }
    }

    /// <summary>Every block key of the chunk IDs a trash record names (slices sharing a chunk ID are counted once).</summary>
    public static IEnumerable<string> ObjectKeysOf(FsInfo fs, TrashRecord record)
    {
        var seen = new HashSet<(ulong, uint)>();
        foreach (var slice in record.Slices)
        {
            if (slice.IsZero || !seen.Add((slice.ChunkId, slice.Compaction))) continue;
            var blocks = ObjectKeyLayout.BlockCount(slice.DataSize, fs.BlockSize);
            for (var block = 0L; block < blocks; block++)
                yield return ObjectKeyLayout.BlockKey(fs.FsId, record.Ino, slice.ChunkId, block, slice.Compaction);
        }
    }

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        await _loop.ConfigureAwait(false);
    }
}
