using CurveFs.Common.Meta;
using CurveFs.Common.Rpc;

namespace CurveFs.Mds.Topology;

/// <summary>A metaserver as the MDS records it in etcd (<c>{prefix}metaserver/{name}</c>, JSON).</summary>
public sealed record MetaServerRecord
{
    public string Name { get; init; } = "";
    /// <summary>Its RPC address: copyset members with this address are served by it.</summary>
    public string RpcEndpoint { get; init; } = "";
    /// <summary>The copysets it reported hosting.</summary>
    public List<uint> Copysets { get; init; } = [];
    /// <summary>False after it missed heartbeats for metaServerOfflineSeconds (status only).</summary>
    public bool Online { get; init; } = true;
    public long RegisteredUnixMs { get; init; }
    /// <summary>When a heartbeat was last written here (the leader keeps the exact time in memory and
    /// writes it at most every 30 s, and when the metaserver goes offline).</summary>
    public long LastHeartbeatUnixMs { get; init; }
}

/// <summary>A copyset as the MDS records it in etcd (<c>{prefix}copyset/{id:D10}</c>, JSON): its members' RPC addresses.</summary>
public sealed record CopysetRecord
{
    public uint CopysetId { get; init; }
    /// <summary>Every member's RPC endpoint, as the metaservers' configurations list them.</summary>
    public List<string> Endpoints { get; init; } = [];
    /// <summary>The metaserver whose registration last wrote this record.</summary>
    public string ReportedBy { get; init; } = "";
    public long UpdatedUnixMs { get; init; }

    public CopysetInfo ToInfo() => new(CopysetId, [.. Endpoints]);
}

/// <summary>
/// A partition of a filesystem as the MDS assigns it (<c>{prefix}partition/{fsId:D10}/{partitionId:D10}</c>, JSON):
/// the inode-ID range [Start, End] and the copyset that owns it. <see cref="Created"/> is false between the
/// transaction that reserved the range and the copyset applying it (the leader, or the next one after a
/// failover, completes it). <see cref="Status"/> is the MDS's view: ReadOnly once a client reported the
/// partition full or the MDS found it full in its copyset.
/// </summary>
public sealed record PartitionAssignment
{
    public uint FsId { get; init; }
    public uint PartitionId { get; init; }
    public ulong Start { get; init; }
    public ulong End { get; init; }
    public uint CopysetId { get; init; }
    public PartitionStatus Status { get; init; }
    public bool Created { get; init; }
    public long CreatedUnixMs { get; init; }

    public PartitionInfo ToInfo() => new(FsId, PartitionId, Start, End, CopysetId, Status);

    /// <summary>Partition 1 of a filesystem holds its root directory: InitFs creates it, not CreatePartition.</summary>
    public bool HoldsRoot => Start <= Limits.RootInode && Limits.RootInode <= End;
}
