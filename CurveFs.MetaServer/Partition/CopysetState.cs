using CurveFs.Common.Meta;
using CurveFs.MetaServer.Storage;

namespace CurveFs.MetaServer.Partition;

/// <summary>
/// The replicated state of one copyset: its KV store and the state machine over it. Applying a command
/// is all-or-nothing (a failed command is rolled back). Not thread-safe: hosts (the embedded log, Raft)
/// serialize <see cref="Apply"/> and keep readers out while it runs.
/// </summary>
public sealed class CopysetState
{
    private readonly MetaStateMachine _machine = new();

    public OrderedKvStore Store { get; } = new();

    /// <summary>Applies a command. Returns the result and whether the state changed (a host logs only those).
    /// When the command changed the state, <paramref name="beforeCommit"/> runs before the change is
    /// kept (a host appends the command to its log there); if it throws, the change is rolled back.</summary>
    public (MetaResult Result, bool Changed) Apply(MetaCommand command, Action? beforeCommit = null)
    {
        var txn = new UndoLogTransaction(Store);
        MetaResult result;
        try
        {
            result = _machine.Apply(txn, command);
        }
        catch
        {
            txn.Rollback();
            throw;
        }
        if (!result.Ok)
        {
            txn.Rollback();
            return (result, false);
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
