using CurveFs.Common.Fs;
using CurveFs.Common.Meta;
using CurveFs.MetaServer.Storage;

namespace CurveFs.MetaServer.Partition;

// Cross-copyset transactions (docs/design/cross-copyset-transactions.md): prepare checks and locks,
// commit applies, abort unlocks. The primary's record is the truth about a transaction.
public sealed partial class MetaStateMachine
{
    private static MetaResult TxPrepare(IKvTransaction kv, TxPrepareCommand c)
    {
        var txKey = MetaKeys.TxKey(c.TxId);
        if (kv.Get(txKey) is { } existing)
        {
            var record = MetaCodec.Decode<TxRecord>(existing);
            // A repeated prepare of the same part answers like the first one; anything else is refused.
            return record.State == TxState.Prepared ? PreparedResult(record) : MetaResult.Fail(Errno.EAGAIN);
        }
        var ctx = new TxContext(kv, c.FsId, c.Caller, c.NowNs);
        var locked = new List<byte[]>();
        ulong created = 0;
        foreach (var op in c.Ops)
        {
            // A create whose two halves share this copyset: the dentry gets the ID allocated just before.
            if (op is PutDentryOp { ChildIsNew: true } put && created != 0) put.Child = created;
            var error = PrepareOp(ctx, op, locked);
            if (error.Error != Errno.Ok) return error;
            if (op is CreateInodeOp create) created = create.Inode.Ino;
        }
        foreach (var key in locked)
        {
            var lockKey = MetaKeys.LockKey(key);
            if (kv.Get(lockKey) is { } held && MetaCodec.Decode<TxLock>(held).TxId != c.TxId)
                return new MetaResult { Error = Errno.EAGAIN, LockedBy = MetaCodec.Decode<TxLock>(held) };
            kv.Put(lockKey, MetaCodec.Encode(new TxLock(c.TxId, c.PrimaryCopyset)));
        }
        var prepared = new TxRecord
        {
            TxId = c.TxId,
            PrimaryCopyset = c.PrimaryCopyset,
            IsPrimary = c.IsPrimary,
            State = TxState.Prepared,
            Ops = c.Ops,
            PreparedNs = c.NowNs,
            LockedKeys = locked,
        };
        kv.Put(txKey, MetaCodec.Encode(prepared));
        return PreparedResult(prepared);
    }

    /// <summary>The answer to a prepare: the inode a create half allocated, if any.</summary>
    private static MetaResult PreparedResult(TxRecord record)
    {
        var created = record.Ops.OfType<CreateInodeOp>().FirstOrDefault();
        return created is null ? MetaResult.Success : new MetaResult { Inode = created.Inode, Value = created.Inode.Ino };
    }

    private static MetaResult TxCommit(IKvTransaction kv, TxCommitCommand c)
    {
        var txKey = MetaKeys.TxKey(c.TxId);
        if (kv.Get(txKey) is not { } bytes) return MetaResult.Fail(Errno.ENOENT); // never prepared here, or committed and forgotten
        var record = MetaCodec.Decode<TxRecord>(bytes);
        if (record.State == TxState.Committed) return MetaResult.Success;
        if (record.State == TxState.Aborted) return MetaResult.Fail(Errno.ECANCELED);
        foreach (var key in record.LockedKeys) kv.Delete(MetaKeys.LockKey(key));
        var ctx = new TxContext(kv, c.FsId, c.Caller, c.NowNs);
        InodeRecord? touched = null;
        foreach (var op in record.Ops) touched = ApplyOp(ctx, op) ?? touched;
        if (record.IsPrimary)
        {
            record.State = TxState.Committed;
            kv.Put(txKey, MetaCodec.Encode(record));
        }
        else kv.Delete(txKey);
        return touched is null ? MetaResult.Success : MetaResult.Of(touched);
    }

    private static MetaResult TxAbort(IKvTransaction kv, TxAbortCommand c)
    {
        var txKey = MetaKeys.TxKey(c.TxId);
        var resolving = c.OnlyIfPreparedBefore != 0;
        if (kv.Get(txKey) is not { } bytes)
        {
            // A resolver aborting at the primary leaves a marker, so a coordinator that is merely slow
            // cannot prepare and commit there afterwards.
            if (resolving) kv.Put(txKey, MetaCodec.Encode(new TxRecord { TxId = c.TxId, IsPrimary = true, State = TxState.Aborted, PreparedNs = c.NowNs }));
            return MetaResult.Success;
        }
        var record = MetaCodec.Decode<TxRecord>(bytes);
        if (record.State == TxState.Committed) return MetaResult.Fail(Errno.EBUSY);
        if (record.State == TxState.Aborted) return MetaResult.Success;
        if (resolving && record.PreparedNs >= c.OnlyIfPreparedBefore) return MetaResult.Fail(Errno.EAGAIN);
        foreach (var key in record.LockedKeys) kv.Delete(MetaKeys.LockKey(key));
        if (record.IsPrimary)
        {
            record.State = TxState.Aborted;
            record.Ops = [];
            record.LockedKeys = [];
            kv.Put(txKey, MetaCodec.Encode(record));
        }
        else kv.Delete(txKey);
        return MetaResult.Success;
    }

    private static MetaResult TxForget(IKvTransaction kv, TxForgetCommand c)
    {
        var txKey = MetaKeys.TxKey(c.TxId);
        if (kv.Get(txKey) is { } bytes && MetaCodec.Decode<TxRecord>(bytes).State == TxState.Prepared) return MetaResult.Fail(Errno.EBUSY);
        kv.Delete(txKey);
        return MetaResult.Success;
    }

    /// <summary>What the halves of a transaction need: the KV, the filesystem, who asks and when.</summary>
    private sealed record TxContext(IKvTransaction Kv, uint Fs, Caller Caller, long Now);
}
