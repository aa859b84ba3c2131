using CurveFs.Common.Fs;
using CurveFs.Common.Meta;
using CurveFs.Mds.Etcd;
using CurveFs.Mds.FsManager;
using CurveFs.Mds.Hosting;
using CurveFs.Mds.Topology;
using Microsoft.Extensions.Logging;

namespace CurveFs.Mds.Partitions;

/// <summary>
/// Hands out partitions (inode-ID ranges) of filesystems to copysets, in the leader (docs/mds.md, "Partitions").
/// <list type="bullet">
/// <item><see cref="EnsureInitializedAsync"/> (CreateFs): partition 1, which holds the root, on the least-loaded
/// copyset, created there by an <c>InitFsCommand</c> (root directory, owner and mode from the filesystem record).</item>
/// <item><see cref="NewPartitionAsync"/>: marks the partition a client found full read-only, finishes partitions
/// left half-made, answers with a read-write partition that still has free IDs in its copyset (the preferred
/// copyset's first, checked with a <c>PartitionsQuery</c>), else adds the next range on the copyset with the fewest
/// partitions of the filesystem (then of all filesystems, then the lowest ID).</item>
/// </list>
/// A new partition is first recorded in etcd (<see cref="PartitionTable.AddAsync"/>, created = false), then
/// applied in its copyset, then marked created. Whatever the MDS dies between, the next leader (or the next
/// request) finishes the same partition on the same copyset: the commands are idempotent, so nothing is
/// created twice and a copyset never holds a range the MDS does not know. Everything of one filesystem runs
/// under its lock (<see cref="FsLocks"/>), so concurrent requests for one need create one partition.
/// </summary>
public sealed class PartitionAllocator(PartitionTable table, MetaServerRegistry registry, CopysetClient copysets, FsLocks locks, MdsTimings timings, ILogger logger)
{
    private readonly Lock _lock = new();
    private Dictionary<uint, int>? _totals;     // partitions of every filesystem per copyset, loaded once per term
    private volatile bool _pendingWork = true;  // a partition may be left half-made: the maintenance looks

    /// <summary>True when a partition may be left recorded but not created (after an election or a failure).</summary>
    public bool HasPendingWork => _pendingWork;

    /// <summary>Forgets what is cached (a term started or ended) and looks for unfinished work again.</summary>
    public void Reset()
    {
        lock (_lock) _totals = null;
        _pendingWork = true;
    }

    /// <summary>A filesystem was deleted: the per-copyset counts are reloaded when next needed.</summary>
    public void ForgetCounts()
    {
        lock (_lock) _totals = null;
    }

    private TimeSpan QuickBudget => timings.CopysetTimeout / 2;

    /// <summary>Makes sure the filesystem has its first partition and root directory in a copyset.</summary>
    /// <exception cref="NoCopysetException">no copyset can take it.</exception>
    /// <exception cref="CopysetUnreachableException">the chosen copyset did not answer; the partition is recorded and finished later.</exception>
    public async Task<PartitionAssignment> EnsureInitializedAsync(FsRecord fs, CancellationToken cancellationToken)
    {
        using var held = await locks.AcquireAsync(fs.Info.FsId, cancellationToken).ConfigureAwait(false);
        return await EnsureInitializedLockedAsync(fs, cancellationToken).ConfigureAwait(false);
    }

    private async Task<PartitionAssignment> EnsureInitializedLockedAsync(FsRecord fs, CancellationToken cancellationToken)
    {
        var partitions = await table.ListAsync(fs.Info.FsId, cancellationToken).ConfigureAwait(false);
        if (partitions.FirstOrDefault(p => p.Value.HoldsRoot) is { Value: not null } root)
            return root.Value.Created ? root.Value : (await CompleteAsync(fs, root, timings.CopysetTimeout, cancellationToken).ConfigureAwait(false)).Value;
        if (partitions.Count > 0)
            throw new InvalidDataException($"filesystem {fs.Info.Name} (fs {fs.Info.FsId}) has partitions in etcd but none holding the root inode 1: " +
                "its partition 1 record was removed; restore it (docs/mds.md)");
        var chosen = await ChooseCopysetAsync(partitions, [], cancellationToken).ConfigureAwait(false);
        var added = await table.AddAsync(fs, chosen.CopysetId, cancellationToken).ConfigureAwait(false);
        CountAdded(chosen.CopysetId);
        if (!added.Value.HoldsRoot)
            throw new InvalidDataException($"filesystem {fs.Info.Name} (fs {fs.Info.FsId}) got partition {added.Value.PartitionId} as its first: " +
                "its partition-ID counter was advanced without partitions (docs/mds.md)");
        logger.LogInformation("fs {FsId} ({Name}): partition 1 [{Start}, {End}] with the root directory goes to copyset {Copyset}",
            fs.Info.FsId, fs.Info.Name, added.Value.Start, added.Value.End, chosen.CopysetId);
        return (await CompleteAsync(fs, added, timings.CopysetTimeout, cancellationToken).ConfigureAwait(false)).Value;
    }

    /// <summary>
    /// A partition with free inode IDs for the filesystem (see the class comment). <paramref name="preferCopyset"/> 0:
    /// any copyset; <paramref name="fullPartition"/> 0: none reported full.
    /// </summary>
    /// <exception cref="NoCopysetException">no copyset can take a new partition.</exception>
    /// <exception cref="CopysetUnreachableException">the copyset chosen for a new partition did not answer; it is recorded and finished later.</exception>
    public async Task<PartitionAssignment> NewPartitionAsync(FsRecord fs, uint preferCopyset, uint fullPartition, CancellationToken cancellationToken)
    {
        var fsId = fs.Info.FsId;
        using var held = await locks.AcquireAsync(fsId, cancellationToken).ConfigureAwait(false);
        var partitions = await table.ListAsync(fsId, cancellationToken).ConfigureAwait(false);
        if (!partitions.Any(p => p.Value.HoldsRoot))
        {
            // An interrupted CreateFs: the root's partition comes first.
            await EnsureInitializedLockedAsync(fs, cancellationToken).ConfigureAwait(false);
            partitions = await table.ListAsync(fsId, cancellationToken).ConfigureAwait(false);
        }

        if (fullPartition != 0 && partitions.FindIndex(p => p.Value.PartitionId == fullPartition) is var full and >= 0
            && partitions[full].Value.Status == PartitionStatus.ReadWrite)
        {
            partitions[full] = await MarkReadOnlyAsync(partitions[full], "a client found it full", cancellationToken).ConfigureAwait(false);
        }

        // Partitions recorded but not yet created were made for an earlier need: finish them first.
        var stuck = new HashSet<uint>();
        for (var i = 0; i < partitions.Count; i++)
        {
            if (partitions[i].Value.Created) continue;
            try
            {
                partitions[i] = await CompleteAsync(fs, partitions[i], QuickBudget, cancellationToken).ConfigureAwait(false);
            }
            catch (CopysetUnreachableException e)
            {
                stuck.Add(partitions[i].Value.CopysetId);
                _pendingWork = true;
                logger.LogWarning("fs {FsId}: partition {Partition} is recorded for copyset {Copyset} but not created there yet: {Message}",
                    fsId, partitions[i].Value.PartitionId, partitions[i].Value.CopysetId, e.Message);
            }
        }

        if (await FindRoomAsync(fs, partitions, preferCopyset, stuck, cancellationToken).ConfigureAwait(false) is { } existing)
            return existing;

        var chosen = await ChooseCopysetAsync(partitions, stuck, cancellationToken).ConfigureAwait(false);
        var added = await table.AddAsync(fs, chosen.CopysetId, cancellationToken).ConfigureAwait(false);
        CountAdded(chosen.CopysetId);
        logger.LogInformation("fs {FsId} ({Name}): partition {Partition} [{Start}, {End}] goes to copyset {Copyset} (preferred {Prefer}, full {Full})",
            fsId, fs.Info.Name, added.Value.PartitionId, added.Value.Start, added.Value.End, chosen.CopysetId, preferCopyset, fullPartition);
        try
        {
            return (await CompleteAsync(fs, added, timings.CopysetTimeout, cancellationToken).ConfigureAwait(false)).Value;
        }
        catch (CopysetUnreachableException e)
        {
            _pendingWork = true;
            throw new CopysetUnreachableException(e.CopysetId,
                $"partition {added.Value.PartitionId} of fs {fsId} is assigned to copyset {chosen.CopysetId}, which did not create it yet ({e.Message}); " +
                "the MDS finishes it when the copyset answers: retry");
        }
    }

    /// <summary>Finishes every partition left recorded but not created, and filesystems without their first
    /// partition (maintenance, after an election or a failure). Returns how many were finished.</summary>
    public async Task<int> CompletePendingAsync(FsStore filesystems, CancellationToken cancellationToken)
    {
        if (!_pendingWork) return 0;
        _pendingWork = false;
        var finished = 0;
        try
        {
            foreach (var fs in await filesystems.ListAsync(cancellationToken).ConfigureAwait(false))
            {
                using var held = await locks.AcquireAsync(fs.Info.FsId, cancellationToken).ConfigureAwait(false);
                var partitions = await table.ListAsync(fs.Info.FsId, cancellationToken).ConfigureAwait(false);
                try
                {
                    if (!partitions.Any(p => p.Value.HoldsRoot))
                    {
                        await EnsureInitializedLockedAsync(fs, cancellationToken).ConfigureAwait(false);
                        finished++;
                        logger.LogInformation("fs {FsId} ({Name}): finished its interrupted creation", fs.Info.FsId, fs.Info.Name);
                        continue;
                    }
                    foreach (var pending in partitions.Where(p => !p.Value.Created))
                    {
                        await CompleteAsync(fs, pending, QuickBudget, cancellationToken).ConfigureAwait(false);
                        finished++;
                        logger.LogInformation("fs {FsId}: finished partition {Partition} in copyset {Copyset}", fs.Info.FsId, pending.Value.PartitionId, pending.Value.CopysetId);
                    }
                }
                catch (Exception e) when (e is CopysetUnreachableException or NoCopysetException or InvalidOperationException or InvalidDataException)
                {
                    _pendingWork = true;
                    logger.LogWarning("fs {FsId}: unfinished partition work left for later: {Message}", fs.Info.FsId, e.Message);
                }
            }
        }
        catch
        {
            _pendingWork = true;
            throw;
        }
        return finished;
    }

    /// <summary>Creates the partition in its copyset (InitFs for the root's partition) and marks it created.</summary>
    private async Task<Versioned<PartitionAssignment>> CompleteAsync(FsRecord fs, Versioned<PartitionAssignment> entry, TimeSpan budget, CancellationToken cancellationToken)
    {
        var partition = entry.Value;
        var copyset = await registry.CopysetAsync(partition.CopysetId, cancellationToken).ConfigureAwait(false)
            ?? throw new CopysetUnreachableException(partition.CopysetId, $"copyset {partition.CopysetId} is not registered: no metaserver hosting it has registered with the MDS");
        await ApplyAsync(fs, partition, copyset, budget, cancellationToken).ConfigureAwait(false);
        for (var attempt = 0; ; attempt++)
        {
            var created = partition with { Created = true };
            if (await table.UpdateAsync(created, entry.ModRevision, cancellationToken).ConfigureAwait(false) is { } revision)
                return new(created, revision);
            // Changed meanwhile (marked read-only, or finished by another process): read it and try again.
            entry = await table.GetAsync(partition.FsId, partition.PartitionId, cancellationToken).ConfigureAwait(false)
                    ?? throw new InvalidDataException($"partition {partition.PartitionId} of fs {partition.FsId} vanished from etcd while it was being created");
            if (entry.Value.Created || attempt >= 8) return entry;
            partition = entry.Value;
        }
    }

    private async Task ApplyAsync(FsRecord fs, PartitionAssignment partition, CopysetRecord copyset, TimeSpan budget, CancellationToken cancellationToken)
    {
        var record = new PartitionRecord
        {
            FsId = partition.FsId,
            PartitionId = partition.PartitionId,
            Start = partition.Start,
            End = partition.End,
            NextIno = partition.Start,
            Status = PartitionStatus.ReadWrite,
            ChunkSize = fs.Info.ChunkSize,
            BlockSize = fs.Info.BlockSize,
        };
        if (!partition.HoldsRoot)
        {
            await copysets.ExecuteCheckedAsync(copyset, new CreatePartitionCommand { FsId = partition.FsId, NowNs = Clock.NowNs(), Partition = record }, budget, cancellationToken)
                .ConfigureAwait(false);
            return;
        }
        var init = new InitFsCommand
        {
            FsId = partition.FsId,
            NowNs = Clock.NowNs(),
            RootUid = fs.RootUid,
            RootGid = fs.RootGid,
            RootMode = FileModes.Directory | (fs.RootMode & FileModes.PermissionMask),
            Partition = record,
            Fs = fs.Info,
        };
        var result = await copysets.ExecuteAsync(copyset, init, budget, cancellationToken).ConfigureAwait(false);
        if (result.Error == Errno.EEXIST)
        {
            // The copyset keeps the record of a deleted filesystem of the same name (its metadata is not removed
            // yet). Names are the MDS's business: initialize without the copyset's name record.
            logger.LogWarning("copyset {Copyset} still holds a filesystem named {Name} (deleted from the MDS); initializing fs {FsId} without its name record there",
                copyset.CopysetId, fs.Info.Name, fs.Info.FsId);
            init.Fs = null;
            result = await copysets.ExecuteAsync(copyset, init, budget, cancellationToken).ConfigureAwait(false);
        }
        if (!result.Ok)
            throw new InvalidOperationException($"copyset {copyset.CopysetId} refused to initialize filesystem {fs.Info.Name} (fs {fs.Info.FsId}) with {result.Error}");
    }

    /// <summary>A read-write partition that still has free IDs in its copyset: the preferred copyset's first, then
    /// the others (newest partition first). Partitions found full there are marked read-only on the way.</summary>
    private async Task<PartitionAssignment?> FindRoomAsync(FsRecord fs, List<Versioned<PartitionAssignment>> partitions, uint preferCopyset, HashSet<uint> stuck,
        CancellationToken cancellationToken)
    {
        var groups = partitions.Where(p => p.Value.Created && p.Value.Status == PartitionStatus.ReadWrite && !stuck.Contains(p.Value.CopysetId))
            .GroupBy(p => p.Value.CopysetId)
            .OrderBy(g => g.Key == preferCopyset ? 0 : 1)
            .ThenByDescending(g => g.Max(p => p.Value.PartitionId))
            .ToList();
        foreach (var group in groups)
        {
            var copyset = await registry.CopysetAsync(group.Key, cancellationToken).ConfigureAwait(false);
            if (copyset is null) continue;
            QueryResult found;
            try
            {
                found = await copysets.QueryAsync(copyset, new PartitionsQuery { FsId = fs.Info.FsId }, QuickBudget, cancellationToken).ConfigureAwait(false);
            }
            catch (CopysetUnreachableException e)
            {
                logger.LogDebug("fs {FsId}: cannot check the partitions in copyset {Copyset}: {Message}", fs.Info.FsId, group.Key, e.Message);
                continue;
            }
            if (!found.Ok) continue;
            foreach (var candidate in group.OrderByDescending(p => p.Value.PartitionId))
            {
                var actual = found.Partitions?.FirstOrDefault(p => p.PartitionId == candidate.Value.PartitionId);
                if (actual is null)
                {
                    logger.LogWarning("fs {FsId}: copyset {Copyset} does not hold partition {Partition}, which the MDS recorded as created there",
                        fs.Info.FsId, group.Key, candidate.Value.PartitionId);
                    continue;
                }
                if (actual.Status == PartitionStatus.ReadOnly || actual.NextIno > actual.End)
                {
                    var index = partitions.IndexOf(candidate);
                    partitions[index] = await MarkReadOnlyAsync(candidate, $"copyset {group.Key} has used all its IDs", cancellationToken).ConfigureAwait(false);
                    continue;
                }
                return candidate.Value;
            }
        }
        return null;
    }

    /// <summary>The copyset for a new partition: usable (a majority of its members online), without a partition of this
    /// filesystem stuck half-made, with the fewest partitions of this filesystem, then of all, then the lowest ID.</summary>
    private async Task<CopysetRecord> ChooseCopysetAsync(List<Versioned<PartitionAssignment>> partitions, HashSet<uint> stuck, CancellationToken cancellationToken)
    {
        var usable = await registry.UsableCopysetsAsync(cancellationToken).ConfigureAwait(false);
        var unfinished = partitions.Where(p => !p.Value.Created).Select(p => p.Value.CopysetId).Concat(stuck).ToHashSet();
        var perFs = partitions.GroupBy(p => p.Value.CopysetId).ToDictionary(g => g.Key, g => g.Count());
        var totals = await TotalsAsync(cancellationToken).ConfigureAwait(false);
        var choice = usable.Where(c => !unfinished.Contains(c.CopysetId))
            .OrderBy(c => perFs.GetValueOrDefault(c.CopysetId))
            .ThenBy(c => totals.GetValueOrDefault(c.CopysetId))
            .ThenBy(c => c.CopysetId)
            .FirstOrDefault();
        return choice ?? throw new CopysetUnreachableException(unfinished.First(),
            $"every usable copyset ({string.Join(", ", usable.Select(c => c.CopysetId))}) has a partition of this filesystem that is recorded but not created yet " +
            "because its copyset does not answer: bring the metaservers back (curvefs status), then retry");
    }

    private async Task<Versioned<PartitionAssignment>> MarkReadOnlyAsync(Versioned<PartitionAssignment> entry, string why, CancellationToken cancellationToken)
    {
        for (var attempt = 0; attempt < 8; attempt++)
        {
            if (entry.Value.Status == PartitionStatus.ReadOnly) return entry;
            var updated = entry.Value with { Status = PartitionStatus.ReadOnly };
            if (await table.UpdateAsync(updated, entry.ModRevision, cancellationToken).ConfigureAwait(false) is { } revision)
            {
                logger.LogInformation("fs {FsId}: partition {Partition} [{Start}, {End}] in copyset {Copyset} is read-only: {Why}",
                    updated.FsId, updated.PartitionId, updated.Start, updated.End, updated.CopysetId, why);
                return new(updated, revision);
            }
            entry = await table.GetAsync(entry.Value.FsId, entry.Value.PartitionId, cancellationToken).ConfigureAwait(false) ?? entry;
        }
        return entry;
    }

    private async Task<Dictionary<uint, int>> TotalsAsync(CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            if (_totals is not null) return new(_totals);
        }
        var all = await table.ListAllAsync(cancellationToken).ConfigureAwait(false);
        var totals = all.GroupBy(p => p.CopysetId).ToDictionary(g => g.Key, g => g.Count());
        lock (_lock)
        {
            _totals ??= totals;
            return new(_totals);
        }
    }

    private void CountAdded(uint copysetId)
    {
        lock (_lock)
        {
            if (_totals is not null) _totals[copysetId] = _totals.GetValueOrDefault(copysetId) + 1;
        }
    }
}
