using CurveFs.Common.Fs;
using CurveFs.Common.Meta;
using Microsoft.Extensions.Logging;

namespace CurveFs.Mount.Meta.Transactions;

/// <summary>One participant of a transaction: a copyset and the halves it runs.</summary>
public sealed record TxPart(uint CopysetId, List<TxOp> Ops);

/// <summary>
/// Runs cross-copyset transactions (docs/design/cross-copyset-transactions.md) and resolves the locks of
/// transactions whose coordinator went away. The first part is the primary: it is prepared first (so a
/// lock on any other participant implies the primary knows the transaction) and committed first (the
/// commit point).
/// </summary>
public sealed class TxCoordinator(ICopysetAccess copysets, ILogger logger)
{
    private static long _lastTxId;

    /// <summary>How long a prepared transaction may wait for its coordinator before a resolver aborts it.</summary>
    public TimeSpan ResolveTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>How long a request waits on a lock before giving up: long enough for a lock left by a dead
    /// client to become old enough to resolve, and then some.</summary>
    public TimeSpan LockPatience => ResolveTimeout + TimeSpan.FromSeconds(5);

    /// <summary>Whether a request that started at <paramref name="startedTicks"/> (Environment.TickCount64) may
    /// still wait on locks: waiting that long ends in a resolved answer rather than EAGAIN.</summary>
    public bool StillPatient(long startedTicks) => Environment.TickCount64 - startedTicks < (long)LockPatience.TotalMilliseconds;

    /// <summary>Test hook: called with the name of each step ("prepared:N", "committed-primary", "committed:N"); throwing stops the coordinator there, as a crash would.</summary>
    public Action<string>? StepHook { get; init; }

    /// <summary>A transaction ID unique across clients: the time in microseconds, made strictly increasing here, in the high bits, and 16 random bits.</summary>
    public static ulong NewTxId()
    {
        var micros = Clock.NowNs() / 1000;
        long candidate;
        long last;
        do
        {
            last = Interlocked.Read(ref _lastTxId);
            candidate = Math.Max(micros, last + 1);
        }
        while (Interlocked.CompareExchange(ref _lastTxId, candidate, last) != last);
        return ((ulong)candidate << 16) | (uint)Random.Shared.Next(1 << 16);
    }

    /// <summary>Prepares every part in order, then commits. Returns the primary's commit result (the
    /// changed or created inode) or the first failure (EAGAIN: the state changed or a lock is held,
    /// plan again) with the copyset that gave it. A create's inode half allocates the ID; later
    /// PutDentryOps with ChildIsNew get it.</summary>
    public async ValueTask<(MetaResult Result, uint FailedCopyset)> RunAsync(uint fsId, Caller caller, IReadOnlyList<TxPart> requested, CancellationToken cancellationToken = default)
    {
        // One part per copyset: a copyset prepares, commits and records a transaction once.
        var parts = requested.GroupBy(p => p.CopysetId).Select(g => new TxPart(g.Key, g.SelectMany(p => p.Ops).ToList())).ToList();
        var txId = NewTxId();
        var primary = parts[0].CopysetId;
        var prepared = new List<TxPart>();
        ulong created = 0;
        InodeRecord? createdInode = null;
        for (var i = 0; i < parts.Count; i++)
        {
            var part = parts[i];
            if (created != 0)
                foreach (var put in part.Ops.OfType<PutDentryOp>().Where(p => p.ChildIsNew)) put.Child = created;
            var result = await copysets.ExecuteAsync(part.CopysetId, new TxPrepareCommand
            {
                FsId = fsId, Caller = caller, NowNs = Clock.NowNs(),
                TxId = txId, PrimaryCopyset = primary, IsPrimary = i == 0, Ops = part.Ops,
            }, cancellationToken).ConfigureAwait(false);
            if (!result.Ok)
            {
                await AbortAsync(fsId, txId, prepared, cancellationToken).ConfigureAwait(false);
                return (result, part.CopysetId);
            }
            if (result.Value != 0)
            {
                created = result.Value;
                createdInode = result.Inode;
            }
            prepared.Add(part);
            StepHook?.Invoke($"prepared:{i}");
        }
        var commit = await copysets.ExecuteAsync(primary, new TxCommitCommand { FsId = fsId, Caller = caller, NowNs = Clock.NowNs(), TxId = txId }, cancellationToken).ConfigureAwait(false);
        if (!commit.Ok)
        {
            // A resolver aborted us (we were too slow): nothing happened.
            await AbortAsync(fsId, txId, prepared.Skip(1).ToList(), cancellationToken).ConfigureAwait(false);
            return (MetaResult.Fail(Errno.EAGAIN), primary);
        }
        StepHook?.Invoke("committed-primary");
        var allDone = true;
        for (var i = 1; i < parts.Count; i++)
        {
            var result = await copysets.ExecuteAsync(parts[i].CopysetId, new TxCommitCommand { FsId = fsId, Caller = caller, NowNs = Clock.NowNs(), TxId = txId }, cancellationToken).ConfigureAwait(false);
            if (!result.Ok && result.Error != Errno.ENOENT)
            {
                allDone = false;
                logger.LogWarning("transaction {TxId}: committing copyset {Copyset} failed ({Errno}); readers will roll it forward", txId, parts[i].CopysetId, result.Error);
            }
            StepHook?.Invoke($"committed:{i}");
        }
        // The primary's record must outlive every secondary lock: a resolver reads the outcome there.
        if (allDone) await copysets.ExecuteAsync(primary, new TxForgetCommand { FsId = fsId, NowNs = Clock.NowNs(), TxId = txId }, cancellationToken).ConfigureAwait(false);
        return (createdInode is not null ? MetaResult.Of(createdInode) : commit, 0);
    }

    private async ValueTask AbortAsync(uint fsId, ulong txId, IReadOnlyList<TxPart> parts, CancellationToken cancellationToken)
    {
        // Secondaries first, then the primary (which keeps an Aborted record until forgotten).
        foreach (var part in parts.Reverse())
            await copysets.ExecuteAsync(part.CopysetId, new TxAbortCommand { FsId = fsId, NowNs = Clock.NowNs(), TxId = txId }, cancellationToken).ConfigureAwait(false);
        if (parts.Count > 0)
            await copysets.ExecuteAsync(parts[0].CopysetId, new TxForgetCommand { FsId = fsId, NowNs = Clock.NowNs(), TxId = txId }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Finishes or undoes the transaction that holds a lock on <paramref name="lockedCopyset"/>: commits
    /// there when the primary committed, aborts when the primary aborted or never got it, and aborts a
    /// transaction still prepared after <see cref="ResolveTimeout"/> at the primary first. Returns false
    /// when the transaction is young and still prepared: its coordinator is probably busy, wait a little.
    /// </summary>
    public async ValueTask<bool> ResolveAsync(uint fsId, TxLock held, uint lockedCopyset, CancellationToken cancellationToken = default)
    {
        var status = await copysets.QueryAsync(held.PrimaryCopyset, new TxStatusQuery { FsId = fsId, TxId = held.TxId }, cancellationToken).ConfigureAwait(false);
        var state = status.Ok ? status.Tx!.State : TxState.Aborted;
        if (state == TxState.Prepared)
        {
            var before = Clock.NowNs() - (long)ResolveTimeout.TotalMilliseconds * 1_000_000;
            var abort = await copysets.ExecuteAsync(held.PrimaryCopyset, new TxAbortCommand { FsId = fsId, NowNs = Clock.NowNs(), TxId = held.TxId, OnlyIfPreparedBefore = before }, cancellationToken).ConfigureAwait(false);
            if (abort.Error == Errno.EAGAIN) return false;
            state = abort.Error == Errno.EBUSY ? TxState.Committed : TxState.Aborted;
        }
        if (lockedCopyset != held.PrimaryCopyset)
        {
            MetaCommand finish = state == TxState.Committed
                ? new TxCommitCommand { FsId = fsId, NowNs = Clock.NowNs(), TxId = held.TxId }
                : new TxAbortCommand { FsId = fsId, NowNs = Clock.NowNs(), TxId = held.TxId };
            await copysets.ExecuteAsync(lockedCopyset, finish, cancellationToken).ConfigureAwait(false);
        }
        logger.LogInformation("resolved transaction {TxId} ({State}) holding a lock on copyset {Copyset}", held.TxId, state, lockedCopyset);
        return true;
    }
}
