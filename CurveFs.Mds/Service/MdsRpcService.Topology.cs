using CurveFs.Common.Rpc;
using CurveFs.Mds.Sessions;
using CurveFs.Mds.Topology;
using Grpc.Core;

namespace CurveFs.Mds.Service;

// Topology, partitions and sessions (docs/mds.md).
internal sealed partial class MdsRpcService
{
    public Task<RegisterMetaServerReply> RegisterMetaServer(RegisterMetaServerRequest request, ServerCallContext context) =>
        Serve<RegisterMetaServerReply>(context, $"RegisterMetaServer {request.Name}", async token =>
        {
            await topology.Registry.RegisterAsync(request, token).ConfigureAwait(false);
            return new RegisterMetaServerReply { Status = MdsStatus.Ok };
        });

    public Task<ListMetaServersReply> ListMetaServers(ListMetaServersRequest request, ServerCallContext context) =>
        Serve<ListMetaServersReply>(context, "ListMetaServers", async token =>
            new ListMetaServersReply { Status = MdsStatus.Ok, MetaServers = [.. await topology.Registry.ListAsync(token).ConfigureAwait(false)] });

    /// <summary>Every registered copyset plus those holding the filesystem's partitions, and its partitions by ID
    /// (those still being created included: their ranges and copysets are fixed). FsId 0: the copysets only.</summary>
    public Task<TopologyReply> GetTopology(GetTopologyRequest request, ServerCallContext context) =>
        Serve<TopologyReply>(context, $"GetTopology fs {request.FsId}", async token =>
        {
            var copysets = (await topology.Registry.CopysetsAsync(token).ConfigureAwait(false)).ToDictionary(c => c.CopysetId, c => c.ToInfo());
            var reply = new TopologyReply { Status = MdsStatus.Ok };
            if (request.FsId != 0)
            {
                if (await filesystems.GetByIdAsync(request.FsId, token).ConfigureAwait(false) is null)
                    return new TopologyReply { Status = MdsStatus.NotFound, Message = $"no filesystem has ID {request.FsId}" };
                foreach (var partition in await topology.PartitionTable.ListAsync(request.FsId, token).ConfigureAwait(false))
                {
                    reply.Partitions.Add(partition.Value.ToInfo());
                    copysets.TryAdd(partition.Value.CopysetId, new CopysetInfo(partition.Value.CopysetId, [])); // not registered (yet)
                }
            }
            reply.Copysets = [.. copysets.Values.OrderBy(c => c.CopysetId)];
            return reply;
        });

    public Task<NewPartitionReply> NewPartition(NewPartitionRequest request, ServerCallContext context) =>
        Serve<NewPartitionReply>(context, $"NewPartition fs {request.FsId}", async token =>
        {
            var fs = await filesystems.GetByIdAsync(request.FsId, token).ConfigureAwait(false);
            if (fs is null) return new NewPartitionReply { Status = MdsStatus.NotFound, Message = $"no filesystem has ID {request.FsId}" };
            var partition = await topology.Partitions.NewPartitionAsync(fs, request.PreferCopyset, request.FullPartition, token).ConfigureAwait(false);
            return new NewPartitionReply { Status = MdsStatus.Ok, Partition = partition.ToInfo() };
        }, CopysetRequestTimeout);

    public Task<SessionReply> OpenSession(OpenSessionRequest request, ServerCallContext context) =>
        Serve<SessionReply>(context, $"OpenSession fs {request.FsId}", async token =>
        {
            var session = await topology.Sessions.OpenAsync(request.FsId, request.Host ?? "", request.MountPoint ?? "", request.Pid, token).ConfigureAwait(false);
            return session is null
                ? new SessionReply { Status = MdsStatus.NotFound, Message = $"no filesystem has ID {request.FsId}" }
                : new SessionReply { Status = MdsStatus.Ok, SessionId = session.SessionId, LeaseSeconds = session.LeaseSeconds };
        });

    public Task<SessionReply> Heartbeat(SessionRequest request, ServerCallContext context) =>
        Serve<SessionReply>(context, $"Heartbeat session {request.SessionId}", async token =>
        {
            var session = await topology.Sessions.HeartbeatAsync(request.SessionId, token).ConfigureAwait(false);
            return session is null
                ? new SessionReply { Status = MdsStatus.NotFound, SessionId = request.SessionId, Message = SessionGone(request.SessionId) }
                : new SessionReply { Status = MdsStatus.Ok, SessionId = session.SessionId, LeaseSeconds = session.LeaseSeconds };
        });

    public Task<SessionReply> CloseSession(SessionRequest request, ServerCallContext context) =>
        Serve<SessionReply>(context, $"CloseSession {request.SessionId}", async token =>
        {
            if (!await topology.Sessions.CloseAsync(request.SessionId, token).ConfigureAwait(false))
                return new SessionReply { Status = MdsStatus.NotFound, SessionId = request.SessionId, Message = $"session {request.SessionId} does not exist (closed or expired already)" };
            topology.SessionClosed?.Invoke();
            return new SessionReply { Status = MdsStatus.Ok, SessionId = request.SessionId };
        });

    public Task<ListSessionsReply> ListSessions(ListSessionsRequest request, ServerCallContext context) =>
        Serve<ListSessionsReply>(context, $"ListSessions fs {request.FsId}", async token =>
        {
            var sessions = await topology.Sessions.ListAsync(request.FsId, token).ConfigureAwait(false);
            return new ListSessionsReply { Status = MdsStatus.Ok, Sessions = [.. sessions.Select(SessionTable.ToInfo)] };
        });

    private string SessionGone(ulong sessionId) =>
        $"session {sessionId} expired (no heartbeat for {topology.Timings.SessionLease.TotalSeconds:0} s) or was closed: open a new session; " +
        "the old ID's stored answers and holds on open unlinked files are gone";
}
