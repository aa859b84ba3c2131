using Grpc.Core;

namespace CurveFs.Common.Rpc;

/// <summary>
/// The MDS's gRPC service: the one place that names it and its methods, shared by the server (which binds
/// handlers to these descriptors) and the client. Unary calls over HTTP/2; payloads are MessagePack objects
/// (see docs/mds.md). Names are part of the wire format.
/// </summary>
public static class MdsRpc
{
    public const string ServiceName = "curvefs.mds.MdsService";

    /// <summary>Creates a filesystem (name, sizes, capacity, S3 settings).</summary>
    public static readonly Method<CreateFsRequest, FsReply> CreateFs = Unary<CreateFsRequest, FsReply>("CreateFs");

    /// <summary>Finds a filesystem by name (or ID), S3 secret included.</summary>
    public static readonly Method<GetFsRequest, FsReply> GetFs = Unary<GetFsRequest, FsReply>("GetFs");

    /// <summary>Lists every filesystem (secret keys masked).</summary>
    public static readonly Method<ListFsRequest, ListFsReply> ListFs = Unary<ListFsRequest, ListFsReply>("ListFs");

    /// <summary>Deletes a filesystem's record.</summary>
    public static readonly Method<DeleteFsRequest, FsReply> DeleteFs = Unary<DeleteFsRequest, FsReply>("DeleteFs");

    /// <summary>Reserves a range of chunk IDs, never handed out before.</summary>
    public static readonly Method<AllocateChunkIdsRequest, AllocateChunkIdsReply> AllocateChunkIds = Unary<AllocateChunkIdsRequest, AllocateChunkIdsReply>("AllocateChunkIds");

    /// <summary>This MDS's role (leader or standby), the leader it knows, and etcd's health. Answered by every MDS.</summary>
    public static readonly Method<MdsStatusRequest, MdsStatusReply> Status = Unary<MdsStatusRequest, MdsStatusReply>("Status");

    /// <summary>A metaserver registers (and heartbeats) with the copysets it hosts.</summary>
    public static readonly Method<RegisterMetaServerRequest, RegisterMetaServerReply> RegisterMetaServer = Unary<RegisterMetaServerRequest, RegisterMetaServerReply>("RegisterMetaServer");

    /// <summary>The copysets and partitions of a filesystem.</summary>
    public static readonly Method<GetTopologyRequest, TopologyReply> GetTopology = Unary<GetTopologyRequest, TopologyReply>("GetTopology");

    /// <summary>A partition with free inode IDs (existing, or created on the least-loaded copyset).</summary>
    public static readonly Method<NewPartitionRequest, NewPartitionReply> NewPartition = Unary<NewPartitionRequest, NewPartitionReply>("NewPartition");

    /// <summary>A mount opens its session (mount record).</summary>
    public static readonly Method<OpenSessionRequest, SessionReply> OpenSession = Unary<OpenSessionRequest, SessionReply>("OpenSession");

    /// <summary>A mount keeps its session alive.</summary>
    public static readonly Method<SessionRequest, SessionReply> Heartbeat = Unary<SessionRequest, SessionReply>("Heartbeat");

    /// <summary>A mount closes its session at unmount.</summary>
    public static readonly Method<SessionRequest, SessionReply> CloseSession = Unary<SessionRequest, SessionReply>("CloseSession");

    /// <summary>The open sessions (mounts) of a filesystem.</summary>
    public static readonly Method<ListSessionsRequest, ListSessionsReply> ListSessions = Unary<ListSessionsRequest, ListSessionsReply>("ListSessions");

    /// <summary>The registered metaservers, online or not (status output).</summary>
    public static readonly Method<ListMetaServersRequest, ListMetaServersReply> ListMetaServers = Unary<ListMetaServersRequest, ListMetaServersReply>("ListMetaServers");

    private static Method<TRequest, TReply> Unary<TRequest, TReply>(string name) =>
        new(MethodType.Unary, ServiceName, name, MessagePackMarshaller.Create<TRequest>(), MessagePackMarshaller.Create<TReply>());
}
