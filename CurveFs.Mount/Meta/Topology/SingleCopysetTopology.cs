using CurveFs.Common.Rpc;

namespace CurveFs.Mount.Meta.Topology;

/// <summary>
/// Metaservers without an MDS: every partition of the filesystem lives in one copyset, reached through the
/// given endpoints. New partitions are added by the client itself in that copyset (ClusterMetaClient does it).
/// </summary>
public sealed class SingleCopysetTopology(uint copysetId, IReadOnlyList<string> endpoints) : IClusterTopology
{
    public uint CopysetOf(ulong ino) => copysetId;

    public IReadOnlyList<uint> Copysets { get; } = [copysetId];

    public IReadOnlyList<string> EndpointsOf(uint id) => id == copysetId ? endpoints : [];

    public ValueTask RefreshAsync(CancellationToken cancellationToken = default) => ValueTask.CompletedTask;

    /// <summary>Null: the caller adds a partition in the copyset itself.</summary>
    public ValueTask<PartitionInfo?> NewPartitionAsync(uint preferCopyset, CancellationToken cancellationToken = default) => ValueTask.FromResult<PartitionInfo?>(null);
}
