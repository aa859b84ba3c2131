using CurveFs.Common.Rpc;

namespace CurveFs.Mount.Meta.Topology;

/// <summary>
/// Where a filesystem's partitions live: which copyset owns an inode ID, which copysets exist and how to
/// reach their members, and how to get a partition with free inode IDs. From the MDS in a full cluster,
/// or one fixed copyset when metaservers are used without an MDS.
/// </summary>
public interface IClusterTopology
{
    /// <summary>The copyset owning the partition of ino, or 0 when the table does not know the ID (refresh, then ask again).</summary>
    uint CopysetOf(ulong ino);

    /// <summary>Every copyset holding partitions of the filesystem.</summary>
    IReadOnlyList<uint> Copysets { get; }

    /// <summary>RPC endpoints of a copyset's members.</summary>
    IReadOnlyList<string> EndpointsOf(uint copysetId);

    /// <summary>Fetches the table again (after an unknown inode or a new partition elsewhere).</summary>
    ValueTask RefreshAsync(CancellationToken cancellationToken = default);

    /// <summary>A partition with free inode IDs, on <paramref name="preferCopyset"/> when possible;
    /// Null when none could be had (logged), or when the caller must add one itself (no MDS).</summary>
    ValueTask<PartitionInfo?> NewPartitionAsync(uint preferCopyset, CancellationToken cancellationToken = default);
}
