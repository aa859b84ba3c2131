using CurveFs.Common.Fs;
using CurveFs.Common.Meta;
using CurveFs.Common.Rpc;
using Microsoft.Extensions.Logging;

namespace CurveFs.Mount.Meta;

// Commands: routing, new partitions, cross-copyset fallbacks, lock resolution.
public sealed partial class ClusterMetaClient
{
    public async ValueTask<MetaResult> ExecuteAsync(MetaCommand command, CancellationToken cancellationToken = default)
    {
        command.FsId = Fs.FsId;
        if (command is RemoveTrashCommand trash) return await RemoveTrashAsync(trash, cancellationToken).ConfigureAwait(false);
        if (command is RenameCommand crossRename && await IsCrossCopysetAsync(crossRename, cancellationToken).ConfigureAwait(false))
            return await CrossAsync(command, 0, cancellationToken).ConfigureAwait(false);
        var copyset = await RouteAsync(PartitionRouter.KeyInode(command), cancellationToken).ConfigureAwait(false);
        if (copyset == 0) return MetaResult.Fail(Errno.ESTALE);
        var partitionRequests = 0;
        var started = Environment.TickCount64;
        for (var attempt = 0; ; attempt++)
        {
            // Each attempt is a new request: the failed attempt's answer is stored under its number.
            var result = await ExecuteNumberedAsync(copyset, command, cancellationToken).ConfigureAwait(false);
            if (result.Error == Errno.EAGAIN && result.LockedBy is { } held && _coordinator.StillPatient(started))
            {
                await ResolveAsync(held, copyset, cancellationToken).ConfigureAwait(false);
                continue;
            }
            if (attempt >= CommandRetries) return result;
            if (result.Error == Errno.EXDEV) return await CrossAsync(command, 0, cancellationToken).ConfigureAwait(false);
            while (result.NeedsPartition)
            {
                // Concurrent creates (of this client or others) fill partitions between the MDS's answer and our
                // create: ask again, within a bound, rather than fail with ENOSPC.
                if (++partitionRequests > MaxPartitionRequests) return result;
                var inodeCopyset = await PartitionForCreateAsync(copyset, cancellationToken).ConfigureAwait(false);
                if (inodeCopyset == 0) return result;
                if (inodeCopyset == copyset) break; // the plain command again
                // The new inode goes to another copyset than its dentry: a cross-copyset create.
                result = await CrossAsync(command, inodeCopyset, cancellationToken).ConfigureAwait(false);
            }
            if (!result.NeedsPartition) return result;
        }
    }

    /// <summary>A rename whose two parents live in different copysets always needs a transaction.</summary>
    private async ValueTask<bool> IsCrossCopysetAsync(RenameCommand rename, CancellationToken cancellationToken) =>
        await RouteAsync(rename.Parent, cancellationToken).ConfigureAwait(false) != await RouteAsync(rename.NewParent, cancellationToken).ConfigureAwait(false);

    /// <summary>Runs a namespace command as a cross-copyset transaction.</summary>
    private async ValueTask<MetaResult> CrossAsync(MetaCommand command, uint inodeCopyset, CancellationToken cancellationToken) => command switch
    {
        CreateNodeCommand c => await Cross.CreateAsync(c.Caller, c.Parent, c.Name, c.Mode, c.Rdev, c.SymlinkTarget, inodeCopyset, cancellationToken).ConfigureAwait(false),
        LinkCommand c => await Cross.LinkAsync(c.Caller, c.Ino, c.NewParent, c.NewName, cancellationToken).ConfigureAwait(false),
        UnlinkCommand c => await Cross.RemoveAsync(c.Caller, c.Parent, c.Name, rmdir: false, cancellationToken).ConfigureAwait(false),
        RmdirCommand c => await Cross.RemoveAsync(c.Caller, c.Parent, c.Name, rmdir: true, cancellationToken).ConfigureAwait(false),
        RenameCommand c => await Cross.RenameAsync(c.Caller, c.Parent, c.Name, c.NewParent, c.NewName, c.Flags, cancellationToken).ConfigureAwait(false),
        _ => MetaResult.Fail(Errno.EIO),
    };

    /// <summary>The copyset of a partition with free inode IDs for a create whose dentry lives in
    /// <paramref name="dentryCopyset"/> (0: none could be had). With an MDS it chooses (preferring the
    /// dentry's copyset); without one the client adds a partition to its single copyset.</summary>
    private async ValueTask<uint> PartitionForCreateAsync(uint dentryCopyset, CancellationToken cancellationToken)
    {
        var partition = await _topology.NewPartitionAsync(dentryCopyset, cancellationToken).ConfigureAwait(false);
        if (partition is not null) return partition.CopysetId;
        return await AddPartitionAsync(cancellationToken).ConfigureAwait(false) ? _router.MetaCopyset : 0;
    }

    /// <summary>Finishes the transaction holding a lock, or waits a little when it is too young to be judged.</summary>
    private async ValueTask ResolveAsync(TxLock held, uint lockedCopyset, CancellationToken cancellationToken)
    {
        if (!await _coordinator.ResolveAsync(Fs.FsId, held, lockedCopyset, cancellationToken).ConfigureAwait(false))
            await Task.Delay(TimeSpan.FromMilliseconds(100), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Trash entries live with their inode: remove each batch from its own copyset.</summary>
    private async ValueTask<MetaResult> RemoveTrashAsync(RemoveTrashCommand command, CancellationToken cancellationToken)
    {
        var byCopyset = command.Keys.GroupBy(k => _router.CopysetOf(MetaKeys.NumberAt(k, MetaKeys.FirstU64Offset)));
        foreach (var group in byCopyset)
        {
            var result = await ExecuteNumberedAsync(group.Key == 0 ? _router.MetaCopyset : group.Key,
                new RemoveTrashCommand { FsId = Fs.FsId, NowNs = command.NowNs, Keys = group.ToList() }, cancellationToken).ConfigureAwait(false);
            if (!result.Ok) return result;
        }
        return MetaResult.Success;
    }

    private async ValueTask<MetaResult> ExecuteNumberedAsync(uint copyset, MetaCommand command, CancellationToken cancellationToken)
    {
        command.FsId = Fs.FsId;
        var (clientId, seq, ackedBelow) = _numbering.Begin();
        try
        {
            var request = new ExecuteRequest
            {
                CopysetId = copyset,
                Envelope = new CommandEnvelope { ClientId = clientId, Seq = seq, AckedBelow = ackedBelow, Command = command },
            };
            var outcome = await _invoker.CallAsync(MetaRpc.Execute, copyset, request, () => $"{command.GetType().Name} seq {seq}", cancellationToken).ConfigureAwait(false);
            if (outcome.Reply is null) return MetaResult.Fail(Errno.EIO);
            if (outcome.Reply.Result is { } result) return result;
            _logger.LogError("copyset {Copyset}: {Command} seq {Seq}: the reply carries no result", copyset, command.GetType().Name, seq);
            return MetaResult.Fail(Errno.EIO);
        }
        finally
        {
            _numbering.End(seq);
        }
    }

    /// <summary>ICopysetAccess for the transaction coordinator: one numbered command to one copyset.</summary>
    ValueTask<MetaResult> Transactions.ICopysetAccess.ExecuteAsync(uint copysetId, MetaCommand command, CancellationToken cancellationToken) =>
        ExecuteNumberedAsync(copysetId, command, cancellationToken);

    ValueTask<QueryResult> Transactions.ICopysetAccess.QueryAsync(uint copysetId, MetaQuery query, CancellationToken cancellationToken) =>
        QueryOnceAsync(copysetId, query, cancellationToken);

    private PartitionRecord NewPartition(uint id, ulong start) => new()
    {
        FsId = Fs.FsId,
        PartitionId = id,
        Start = start,
        End = start + _options.PartitionSize - 1,
        NextIno = start,
        ChunkSize = Fs.ChunkSize,
        BlockSize = Fs.BlockSize,
    };

    /// <summary>Adds a partition after the last one to the single copyset (no MDS); false when that failed
    /// (logged). Two clients adding at once pick the same ID and range: the second is a no-op.</summary>
    private async ValueTask<bool> AddPartitionAsync(CancellationToken cancellationToken)
    {
        await _partitionLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var copyset = _router.MetaCopyset;
            var query = await QueryOnceAsync(copyset, new PartitionsQuery { FsId = Fs.FsId }, cancellationToken).ConfigureAwait(false);
            if (!query.Ok || query.Partitions is not { Count: > 0 } partitions)
            {
                _logger.LogError("fs {FsId}: cannot add a partition: listing partitions gave {Error}", Fs.FsId, query.Ok ? "none" : query.Error);
                return false;
            }
            if (partitions.Any(p => p.Status == PartitionStatus.ReadWrite && p.NextIno <= p.End)) return true; // another caller added one
            var partition = NewPartition(partitions.Max(p => p.PartitionId) + 1, partitions.Max(p => p.End) + 1);
            var result = await ExecuteNumberedAsync(copyset, new CreatePartitionCommand { FsId = Fs.FsId, NowNs = Clock.NowNs(), Partition = partition }, cancellationToken).ConfigureAwait(false);
            if (!result.Ok)
            {
                _logger.LogError("fs {FsId}: adding partition {Partition} [{Start}, {End}] failed: {Error}", Fs.FsId, partition.PartitionId, partition.Start, partition.End, result.Error);
                return false;
            }
            _logger.LogInformation("fs {FsId}: added partition {Partition} with inode IDs [{Start}, {End}] in copyset {Copyset}", Fs.FsId, partition.PartitionId, partition.Start, partition.End, copyset);
            return true;
        }
        finally
        {
            _partitionLock.Release();
        }
    }
}
