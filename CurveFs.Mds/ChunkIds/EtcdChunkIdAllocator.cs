using CurveFs.Common.Data;
using CurveFs.Mds.Etcd;
using Microsoft.Extensions.Logging;

namespace CurveFs.Mds.ChunkIds;

/// <summary>
/// Hands out chunk IDs from the cluster's counter in etcd (<see cref="MdsKeys.ChunkIdCounter"/>: the first ID
/// not reserved yet). IDs are reserved from etcd in bundles (<see cref="BundleSize"/>) and served from memory,
/// so clients' requests rarely touch etcd.
///
/// A bundle is reserved with one transaction: <c>if counter.mod_revision == seen (0 when absent) then
/// put counter = start + size else get counter</c>, and the bundle is used only if the transaction
/// <b>succeeded</b>. A failed comparison means another MDS (or a deposed leader) moved the counter: the
/// failure branch's read gives the new value and revision, and the reservation is tried again. So each
/// bundle is written to etcd, by exactly one reserver, before any of its IDs is handed out: no ID is handed
/// out twice across restarts, failover or several MDS processes, whoever is leader. IDs of a bundle not
/// used up (a restart, <see cref="Reset"/>, a request larger than what is left) are skipped, which is fine.
/// Thread-safe.
/// </summary>
public sealed class EtcdChunkIdAllocator(EtcdKv etcd, MdsKeys keys, ulong bundleSize, ILogger logger) : IChunkIdSource
{
    /// <summary>Transactions tried before giving up on a contended counter.</summary>
    private const int MaxAttempts = 64;

    private readonly SemaphoreSlim _lock = new(1, 1);
    private ulong _next;
    private ulong _end;
    private EtcdKeyValue? _seen;
    private bool _seenValid;
    private bool _resetRequested;

    public ulong BundleSize { get; } = bundleSize >= 1 ? bundleSize : throw new ArgumentOutOfRangeException(nameof(bundleSize));

    /// <summary>Bundles reserved from etcd by this allocator (tests, status).</summary>
    public int BundlesReserved { get; private set; }

    /// <summary>Conflicting transactions retried (tests, status).</summary>
    public int Conflicts { get; private set; }

    /// <summary>Reserves <paramref name="count"/> consecutive IDs.</summary>
    /// <exception cref="EtcdException">etcd did not answer or refused; nothing was handed out.</exception>
    public async Task<ChunkIdRange> ReserveAsync(ulong count, CancellationToken cancellationToken = default)
    {
        if (count == 0) throw new ArgumentOutOfRangeException(nameof(count));
        await _lock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (Volatile.Read(ref _resetRequested))
            {
                Volatile.Write(ref _resetRequested, false);
                _next = _end = 0;
                _seenValid = false;
            }
            if (_end - _next < count)
            {
                var size = Math.Max(BundleSize, count);
                (_next, _end) = await ReserveBundleAsync(size, cancellationToken).ConfigureAwait(false);
            }
            var range = new ChunkIdRange(_next, count);
            _next += count;
            return range;
        }
        finally
        {
            _lock.Release();
        }
    }

    /// <summary>Forgets the bundle in memory (a new or deposed leader); the next request reserves a fresh one.
    /// Does not wait for a reservation in progress (the election calls it).</summary>
    public void Reset() => Volatile.Write(ref _resetRequested, true);

    private async Task<(ulong Start, ulong End)> ReserveBundleAsync(ulong size, CancellationToken cancellationToken)
    {
        var key = keys.ChunkIdCounter;
        if (!_seenValid)
        {
            _seen = await etcd.GetAsync(key, cancellationToken).ConfigureAwait(false);
            _seenValid = true;
        }
        for (var attempt = 1; ; attempt++)
        {
            var start = MdsKeys.ParseCounter(_seen, absent: 1);
            if (ulong.MaxValue - start < size) throw new InvalidOperationException($"the chunk ID counter {key} is exhausted ({start})");
            var end = start + size;
            var result = await etcd.TxnAsync("reserve chunk IDs",
                [EtcdCompare.ModRevision(key, _seen?.ModRevision ?? 0)],
                [EtcdOp.Put(key, MdsKeys.FormatCounter(end))],
                [EtcdOp.Get(key)],
                cancellationToken).ConfigureAwait(false);
            if (result.Succeeded)
            {
                // Our put is now the key's latest version: remember it so the next bundle needs no read.
                _seen = new EtcdKeyValue(key, System.Text.Encoding.UTF8.GetBytes(MdsKeys.FormatCounter(end)),
                    _seen?.CreateRevision ?? result.Revision, result.Revision, (_seen?.Version ?? 0) + 1, 0);
                BundlesReserved++;
                logger.LogDebug("reserved chunk IDs [{Start}, {End}) in etcd (revision {Revision})", start, end, result.Revision);
                return (start, end);
            }
            Conflicts++;
            _seen = result.Reads[0];
            if (attempt >= MaxAttempts)
                throw new EtcdException($"reserving chunk IDs in etcd at {etcd.EndpointList}: the counter {key} changed under {MaxAttempts} transactions in a row: too many MDS processes allocate at once", unreachable: false);
            // Spread contending reservers a little.
            await Task.Delay(Random.Shared.Next(0, Math.Min(attempt, 10)), cancellationToken).ConfigureAwait(false);
        }
    }
}
