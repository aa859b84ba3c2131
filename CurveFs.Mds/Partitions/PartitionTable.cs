using CurveFs.Common.Meta;
using CurveFs.Mds.Etcd;
using CurveFs.Mds.Topology;

namespace CurveFs.Mds.Partitions;

/// <summary>
/// The partitions of every filesystem in etcd (<see cref="MdsKeys.Partition"/>, JSON <see cref="PartitionAssignment"/>).
/// A partition is added with its filesystem's partition-ID counter in one transaction:
/// <c>if mod_revision(partitionid/{fs}) == R and partition/{fs}/{id} absent then put partitionid/{fs} = id + 1,
/// partition/{fs}/{id} = {range, copyset, created: false} else get partitionid/{fs}</c>, checked and retried on
/// conflict. Partition N of a filesystem always covers [(N-1)*size+1, N*size], so ranges never overlap and, the
/// counter only growing, an ID or range is never handed out twice, even by two processes that both believe
/// they lead. Every later change (created, read-only) compares the key's mod revision.
/// </summary>
public sealed class PartitionTable(EtcdKv etcd, MdsKeys keys)
{
    private const int MaxAttempts = 32;

    /// <summary>The filesystem's partitions by ID, with their mod revisions.</summary>
    public async Task<List<Versioned<PartitionAssignment>>> ListAsync(uint fsId, CancellationToken cancellationToken)
    {
        var kvs = await etcd.GetPrefixAsync(keys.PartitionPrefix(fsId), cancellationToken).ConfigureAwait(false);
        return kvs.Select(kv => new Versioned<PartitionAssignment>(MdsJson.Decode<PartitionAssignment>(kv, "partition record"), kv.ModRevision))
            .OrderBy(p => p.Value.PartitionId).ToList();
    }

    /// <summary>Every partition of every filesystem.</summary>
    public async Task<List<PartitionAssignment>> ListAllAsync(CancellationToken cancellationToken)
    {
        var kvs = await etcd.GetPrefixAsync(keys.PartitionsPrefix, cancellationToken).ConfigureAwait(false);
        return kvs.Select(kv => MdsJson.Decode<PartitionAssignment>(kv, "partition record")).ToList();
    }

    /// <summary>Reserves the filesystem's next partition ID and range for <paramref name="copysetId"/> and records it
    /// (not yet created in the copyset).</summary>
    /// <exception cref="EtcdException">etcd did not answer, or the counter kept changing.</exception>
    public async Task<Versioned<PartitionAssignment>> AddAsync(FsRecord fs, uint copysetId, CancellationToken cancellationToken)
    {
        var fsId = fs.Info.FsId;
        var counterKey = keys.PartitionIdCounter(fsId);
        var counter = await etcd.GetAsync(counterKey, cancellationToken).ConfigureAwait(false);
        for (var attempt = 1; ; attempt++)
        {
            var next = MdsKeys.ParseCounter(counter, absent: 1);
            if (next > uint.MaxValue) throw new InvalidOperationException($"filesystem {fs.Info.Name} has used every partition ID ({counterKey} = {next})");
            var id = (uint)next;
            var (start, end) = RangeOf(id, fs.PartitionSize);
            var partition = new PartitionAssignment
            {
                FsId = fsId,
                PartitionId = id,
                Start = start,
                End = end,
                CopysetId = copysetId,
                Status = PartitionStatus.ReadWrite,
                Created = false,
                CreatedUnixMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(),
            };
            var key = keys.Partition(fsId, id);
            var result = await etcd.TxnAsync($"add partition {id} of fs {fsId}",
                [EtcdCompare.ModRevision(counterKey, counter?.ModRevision ?? 0), EtcdCompare.Absent(key)],
                [EtcdOp.Put(counterKey, MdsKeys.FormatCounter(next + 1)), EtcdOp.Put(key, MdsJson.Encode(partition))],
                [EtcdOp.Get(counterKey)],
                cancellationToken).ConfigureAwait(false);
            if (result.Succeeded) return new(partition, result.Revision);
            var moved = result.Reads[0];
            if (moved?.ModRevision == counter?.ModRevision)
                throw new InvalidDataException($"etcd key {key} exists but {counterKey} still says {next}: the counter must be above every partition ID of fs {fsId} (docs/mds.md)");
            counter = moved;
            if (attempt >= MaxAttempts)
                throw new EtcdException($"adding a partition to fs {fsId} in etcd at {etcd.EndpointList}: {counterKey} changed under {MaxAttempts} transactions in a row", unreachable: false);
        }
    }

    /// <summary>Writes <paramref name="updated"/> if the key is still at <paramref name="seenRevision"/>; returns the
    /// new revision, or null when someone changed it first (read it again).</summary>
    public async Task<long?> UpdateAsync(PartitionAssignment updated, long seenRevision, CancellationToken cancellationToken)
    {
        var key = keys.Partition(updated.FsId, updated.PartitionId);
        var result = await etcd.TxnAsync($"update partition {updated.PartitionId} of fs {updated.FsId}",
            [EtcdCompare.ModRevision(key, seenRevision)],
            [EtcdOp.Put(key, MdsJson.Encode(updated))],
            [], cancellationToken).ConfigureAwait(false);
        return result.Succeeded ? result.Revision : null;
    }

    /// <summary>The partition as stored now, or null.</summary>
    public async Task<Versioned<PartitionAssignment>?> GetAsync(uint fsId, uint partitionId, CancellationToken cancellationToken)
    {
        var kv = await etcd.GetAsync(keys.Partition(fsId, partitionId), cancellationToken).ConfigureAwait(false);
        return kv is null ? null : new Versioned<PartitionAssignment>(MdsJson.Decode<PartitionAssignment>(kv, "partition record"), kv.ModRevision);
    }

    /// <summary>Partition <paramref name="id"/> covers [(id-1)*size+1, id*size].</summary>
    public static (ulong Start, ulong End) RangeOf(uint id, ulong size) => ((id - 1UL) * size + 1, id * size);
}
