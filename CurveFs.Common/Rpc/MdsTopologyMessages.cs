using CurveFs.Common.Meta;
using MessagePack;

namespace CurveFs.Common.Rpc;

/// <summary>A copyset as clients reach it: its ID and the RPC endpoints of its members.</summary>
[MessagePackObject]
public sealed record CopysetInfo(
    [property: Key(0)] uint CopysetId,
    [property: Key(1)] List<string> Endpoints);

/// <summary>A partition of a filesystem and the copyset that owns it.</summary>
[MessagePackObject]
public sealed record PartitionInfo(
    [property: Key(0)] uint FsId,
    [property: Key(1)] uint PartitionId,
    [property: Key(2)] ulong Start,
    [property: Key(3)] ulong End,
    [property: Key(4)] uint CopysetId,
    [property: Key(5)] PartitionStatus Status);

/// <summary>A metaserver announces itself and the copysets it hosts (and keeps doing so as a heartbeat).</summary>
[MessagePackObject]
public sealed class RegisterMetaServerRequest
{
    [Key(0)] public string Name { get; set; } = "";
    /// <summary>Where clients and the MDS reach its RPC service ("host:port").</summary>
    [Key(1)] public string RpcEndpoint { get; set; } = "";
    /// <summary>The copysets it hosts, with every member's RPC endpoint as its configuration lists them.</summary>
    [Key(2)] public List<CopysetInfo> Copysets { get; set; } = [];
}

[MessagePackObject]
public sealed class RegisterMetaServerReply : MdsReply;

/// <summary>The copysets and partitions of a filesystem, as a mount routes requests by them.</summary>
[MessagePackObject]
public sealed class GetTopologyRequest
{
    [Key(0)] public uint FsId { get; set; }
}

[MessagePackObject]
public sealed class TopologyReply : MdsReply
{
    [Key(3)] public List<CopysetInfo> Copysets { get; set; } = [];
    [Key(4)] public List<PartitionInfo> Partitions { get; set; } = [];
}

/// <summary>A partition with free inode IDs for a filesystem: an existing read-write one (preferring
/// the given copyset), or a new one the MDS creates on the copyset with the fewest partitions.</summary>
[MessagePackObject]
public sealed class NewPartitionRequest
{
    [Key(0)] public uint FsId { get; set; }
    /// <summary>0: any copyset. Otherwise the copyset of the parent directory (a create there stays in one copyset when it can).</summary>
    [Key(1)] public uint PreferCopyset { get; set; }
    /// <summary>The partition the client found full (the MDS marks it read-only in its table).</summary>
    [Key(2)] public uint FullPartition { get; set; }
}

[MessagePackObject]
public sealed class NewPartitionReply : MdsReply
{
    [Key(3)] public PartitionInfo? Partition { get; set; }
}

/// <summary>A mount opens a session: its ID is the client ID of its numbered requests and orphan holds.</summary>
[MessagePackObject]
public sealed class OpenSessionRequest
{
    [Key(0)] public uint FsId { get; set; }
    [Key(1)] public string Host { get; set; } = "";
    [Key(2)] public string MountPoint { get; set; } = "";
    [Key(3)] public int Pid { get; set; }
}

[MessagePackObject]
public sealed class SessionReply : MdsReply
{
    [Key(3)] public ulong SessionId { get; set; }
    /// <summary>Seconds without a heartbeat after which the MDS expires the session.</summary>
    [Key(4)] public int LeaseSeconds { get; set; }
}

/// <summary>Keeps a session alive (or closes it at unmount).</summary>
[MessagePackObject]
public sealed class SessionRequest
{
    [Key(0)] public ulong SessionId { get; set; }
}

/// <summary>The mounts (open sessions) of a filesystem.</summary>
[MessagePackObject]
public sealed class ListSessionsRequest
{
    [Key(0)] public uint FsId { get; set; }
}

[MessagePackObject]
public sealed record SessionInfo(
    [property: Key(0)] ulong SessionId,
    [property: Key(1)] uint FsId,
    [property: Key(2)] string Host,
    [property: Key(3)] string MountPoint,
    [property: Key(4)] int Pid,
    [property: Key(5)] long LastHeartbeatNs);

[MessagePackObject]
public sealed class ListSessionsReply : MdsReply
{
    [Key(3)] public List<SessionInfo> Sessions { get; set; } = [];
}

/// <summary>The metaservers that registered with the MDS (for <c>curvefs status</c>).</summary>
[MessagePackObject]
public sealed class ListMetaServersRequest
{
}

/// <summary>A registered metaserver as the MDS leader sees it.</summary>
[MessagePackObject]
public sealed record MetaServerInfo(
    [property: Key(0)] string Name,
    [property: Key(1)] string RpcEndpoint,
    [property: Key(2)] List<uint> Copysets,
    [property: Key(3)] bool Online,             // false once it missed heartbeats for metaServerOfflineSeconds
    [property: Key(4)] long LastHeartbeatUnixMs); // when the MDS last heard from it

[MessagePackObject]
public sealed class ListMetaServersReply : MdsReply
{
    [Key(3)] public List<MetaServerInfo> MetaServers { get; set; } = [];
}
