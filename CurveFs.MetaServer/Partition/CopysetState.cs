using CurveFs.Common.Meta;
using CurveFs.MetaServer.Storage;

namespace CurveFs.MetaServer.Partition;

/// <summary>
/// The replicated state of one copyset: its KV store and the state machine over it. Applying a command
/// is all-or-nothing (a failed command is rolled back). Not thread-safe: hosts (the embedded log, Raft)
/// serialize <see cref="Apply(CommandEnvelope, Action?)"/> and keep readers out while it runs.
/// </summary>
public sealed class CopysetState
{
    private readonly MetaStateMachine _machine = new();

    public OrderedKvStore Store { get; } = new();

    /// <summary>Applies an unnumbered command (no deduplication).</summary>
    public (MetaResult Result, bool Changed) Apply(MetaCommand command, Action? beforeCommit = null) =>
        Apply(CommandEnvelope.Unnumbered(command), beforeCommit);

    /// <summary>
    /// Applies a command and returns its result and whether the state changed (a host logs only those).
    /// A numbered request (ClientId != 0) is applied at most once: a repeat gets the stored result and
    /// changes nothing. Its result is stored whether it succeeded or not (a retry must not succeed where
    /// the first attempt failed), and the results the client acknowledged are forgotten.
    /// When something changed, <paramref name="beforeCommit"/> runs before the change is kept (the
    /// embedded host appends to its log there); if it throws, everything is rolled back.
    /// </summary>
    public (MetaResult Result, bool Changed) Apply(CommandEnvelope envelope, Action? beforeCommit = null)
    {
        byte[]? requestKey = null;
        if (envelope.ClientId != 0)
        {
            requestKey = MetaKeys.RequestKey(envelope.ClientId, envelope.Seq);
            if (Store.Get(requestKey) is { } stored) return (MetaCodec.Decode<MetaResult>(stored), false);
        }
        var txn = new UndoLogTransaction(Store);
        // Transaction commands manage locks themselves; every other command must not touch a locked key.
        IKvTransaction kv = envelope.Command is TxPrepareCommand or TxCommitCommand or TxAbortCommand or TxForgetCommand || !LockCheckingKv.AnyLocks(Store)
            ? txn
            : new LockCheckingKv(txn, txn);
        MetaResult result;
        try
        {
            result = _machine.Apply(kv, envelope.Command);
        }
        catch (KeyLockedException locked)
        {
            txn.Rollback();
            result = new MetaResult { Error = Common.Fs.Errno.EAGAIN, LockedBy = locked.Lock };
        }
        catch
        {
            txn.Rollback();
            throw;
        }
        if (!result.Ok) txn.Rollback();
        if (requestKey is not null)
        {
            var acked = txn.Scan(MetaKeys.RequestKey(envelope.ClientId, 0), MetaKeys.RequestKey(envelope.ClientId, envelope.AckedBelow));
            foreach (var pair in acked) txn.Delete(pair.Key);
            txn.Put(requestKey, MetaCodec.Encode(result));
        }
        var changed = txn.HasChanges;
        if (changed && beforeCommit is not null)
        {
            try
            {
                beforeCommit();
            }
            catch
            {
                txn.Rollback();
                throw;
            }
        }
        txn.Commit();
        return (result, changed);
    }

    /// <summary>Replaces the whole state with the pairs of a snapshot.</summary>
    public void Load(IEnumerable<KeyValuePair<byte[], byte[]>> pairs)
    {
        Store.Clear();
        foreach (var pair in pairs) Store.Put(pair.Key, pair.Value);
    }
}
