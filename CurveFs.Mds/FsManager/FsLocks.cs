using System.Collections.Concurrent;

namespace CurveFs.Mds.FsManager;

/// <summary>
/// One lock per filesystem in the leader: partition changes (NewPartition, CreateFs's first partition),
/// OpenSession and DeleteFs of one filesystem run one at a time, so two clients that ran out of inode IDs at
/// once get one new partition, and a delete cannot miss a session opened meanwhile. etcd's compare-and-swap
/// transactions keep the records correct even when two processes believe they lead; the lock keeps one
/// leader from doing the same work twice.
/// </summary>
public sealed class FsLocks
{
    private readonly ConcurrentDictionary<uint, SemaphoreSlim> _locks = new();

    /// <summary>Waits for the filesystem's lock; dispose the result to release it.</summary>
    public async Task<IDisposable> AcquireAsync(uint fsId, CancellationToken cancellationToken)
    {
        var semaphore = _locks.GetOrAdd(fsId, _ => new SemaphoreSlim(1, 1));
        await semaphore.WaitAsync(cancellationToken).ConfigureAwait(false);
        return new Releaser(semaphore);
    }

    private sealed class Releaser(SemaphoreSlim semaphore) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0) semaphore.Release();
        }
    }
}
