namespace CurveFs.Common.Data;

/// <summary>A range of chunk IDs [Start, Start + Count) reserved for one client.</summary>
public readonly record struct ChunkIdRange(ulong Start, ulong Count);

/// <summary>
/// Where chunk IDs come from: the MDS's counter in etcd, or a durable local counter in embedded mode.
/// A source never hands out an ID twice, across restarts and failover; it may skip IDs.
/// </summary>
public interface IChunkIdSource
{
    Task<ChunkIdRange> ReserveAsync(ulong count, CancellationToken cancellationToken = default);
}
