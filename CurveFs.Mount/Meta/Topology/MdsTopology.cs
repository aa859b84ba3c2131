using CurveFs.Common.Rpc;
using Microsoft.Extensions.Logging;

namespace CurveFs.Mount.Meta.Topology;

/// <summary>
/// The partition table of a filesystem as the MDS keeps it (GetTopology), cached and refreshed when a
/// request names an inode it does not cover or a new partition was made. Lookups are a binary search
/// over the partitions' ranges. Thread-safe: refreshes replace an immutable snapshot.
/// </summary>
public sealed class MdsTopology(MdsClient mds, uint fsId, ILogger logger) : IClusterTopology
{
    private sealed record Snapshot(PartitionInfo[] ByStart, Dictionary<uint, IReadOnlyList<string>> Endpoints, IReadOnlyList<uint> Copysets);

    private readonly SemaphoreSlim _refresh = new(1, 1);
    private volatile Snapshot _snapshot = new([], [], []);

    public static async Task<MdsTopology> LoadAsync(MdsClient mds, uint fsId, ILogger logger, CancellationToken cancellationToken = default)
    {
        var topology = new MdsTopology(mds, fsId, logger);
        await topology.RefreshAsync(cancellationToken).ConfigureAwait(false);
        return topology;
    }

    public uint CopysetOf(ulong ino)
    {
        var partitions = _snapshot.ByStart;
        int lo = 0, hi = partitions.Length - 1;
        while (lo <= hi)
        {
            var mid = (lo + hi) / 2;
            var p = partitions[mid];
            if (ino < p.Start) hi = mid - 1;
            else if (ino > p.End) lo = mid + 1;
            else return p.CopysetId;
        }
        return 0;
    }

    public IReadOnlyList<uint> Copysets => _snapshot.Copysets;

    public IReadOnlyList<string> EndpointsOf(uint copysetId) => _snapshot.Endpoints.GetValueOrDefault(copysetId) ?? [];

    public async ValueTask RefreshAsync(CancellationToken cancellationToken = default)
    {
        await _refresh.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var reply = await mds.GetTopologyAsync(fsId, cancellationToken).ConfigureAwait(false);
            var partitions = reply.Partitions.Where(p => p.FsId == fsId).OrderBy(p => p.Start).ToArray();
            var endpoints = reply.Copysets.ToDictionary(c => c.CopysetId, c => (IReadOnlyList<string>)c.Endpoints);
            var copysets = partitions.Select(p => p.CopysetId).Distinct().Order().ToList();
            _snapshot = new Snapshot(partitions, endpoints, copysets);
            logger.LogDebug("fs {FsId}: {Partitions} partitions on copysets {Copysets}", fsId, partitions.Length, string.Join(",", copysets));
        }
        finally
        {
            _refresh.Release();
        }
    }

    public async ValueTask<PartitionInfo?> NewPartitionAsync(uint preferCopyset, CancellationToken cancellationToken = default)
    {
        try
        {
            var partition = await mds.NewPartitionAsync(fsId, preferCopyset, cancellationToken: cancellationToken).ConfigureAwait(false);
            await RefreshAsync(cancellationToken).ConfigureAwait(false);
            return partition;
        }
        catch (IOException e)
        {
            logger.LogError("fs {FsId}: getting a partition with free inode IDs from the MDS failed: {Message}", fsId, e.Message);
            return null;
        }
    }
}
