using CurveFs.Common.Rpc;
using CurveFs.Mds.ChunkIds;
using CurveFs.Mds.Election;
using CurveFs.Mds.Etcd;
using CurveFs.Mds.FsManager;
using CurveFs.Mds.Topology;
using Grpc.Core;
using Microsoft.Extensions.Logging;

namespace CurveFs.Mds.Service;

/// <summary>
/// The handlers of <see cref="MdsRpc"/>. Only the leader serves; a standby answers NotLeader with the leader's
/// RPC endpoint, or Unavailable when it knows no leader (the message says why: etcd unreachable, election in
/// progress). Every etcd failure becomes Unavailable with a message naming etcd, and a handler never runs
/// longer than <see cref="RequestTimeout"/>, so a client never waits on a dead etcd. A handler never lets an
/// exception out as a gRPC failure.
/// </summary>
internal sealed partial class MdsRpcService(string name, EtcdKv etcd, FsStore filesystems, EtcdChunkIdAllocator chunkIds, MdsTopology topology, ILogger logger)
{
    /// <summary>Set once the RPC endpoint is bound and the election started.</summary>
    public LeaderElection? Election { get; set; }

    public string RpcEndpoint { get; set; } = "";

    /// <summary>Longest time a request may spend on etcd: two etcd operation timeouts.</summary>
    public TimeSpan RequestTimeout => etcd.Options.OperationTimeout * 2;

    /// <summary>Longest time a request that also waits on copysets may take.</summary>
    public TimeSpan CopysetRequestTimeout => RequestTimeout + topology.Timings.CopysetTimeout;

    /// <summary>Writes the record, then creates partition 1 and the root directory on the least-loaded copyset.
    /// A repeat with the same settings finishes an interrupted creation and succeeds.</summary>
    public Task<FsReply> CreateFs(CreateFsRequest request, ServerCallContext context) =>
        Serve<FsReply>(context, $"CreateFs {request.Name}", async token =>
        {
            var spec = new FsSpec(request.Name, request.ChunkSize, request.BlockSize, request.CapacityBytes, request.S3,
                request.PartitionSize, request.RootUid, request.RootGid, request.RootMode);
            FsStore.Validate(spec);
            await topology.Registry.UsableCopysetsAsync(token).ConfigureAwait(false); // refuse before anything is written
            var (record, created) = await filesystems.CreateAsync(spec, token).ConfigureAwait(false);
            if (!created && !spec.Matches(record))
                return new FsReply { Status = MdsStatus.AlreadyExists, Fs = record with { S3 = record.S3.WithoutSecret() }, Message = $"filesystem '{request.Name}' exists already (fs {record.Info.FsId})" };
            try
            {
                await topology.Partitions.EnsureInitializedAsync(record, token).ConfigureAwait(false);
            }
            catch (CopysetUnreachableException e)
            {
                return new FsReply
                {
                    Status = MdsStatus.Unavailable,
                    Message = $"MDS {name}: filesystem '{request.Name}' (fs {record.Info.FsId}) is recorded, but copyset {e.CopysetId} did not initialize its root yet: {e.Message}. " +
                              "Repeat create-fs with the same settings to finish it (the MDS also finishes it when the copyset answers)",
                };
            }
            return new FsReply { Status = MdsStatus.Ok, Fs = record };
        }, CopysetRequestTimeout);

    public Task<FsReply> GetFs(GetFsRequest request, ServerCallContext context) =>
        Serve<FsReply>(context, $"GetFs {request.Name ?? request.FsId.ToString()}", async token =>
        {
            var record = string.IsNullOrEmpty(request.Name)
                ? await filesystems.GetByIdAsync(request.FsId, token).ConfigureAwait(false)
                : await filesystems.GetByNameAsync(request.Name, token).ConfigureAwait(false);
            return record is null
                ? new FsReply { Status = MdsStatus.NotFound, Message = string.IsNullOrEmpty(request.Name) ? $"no filesystem has ID {request.FsId}" : $"no filesystem is called '{request.Name}'" }
                : new FsReply { Status = MdsStatus.Ok, Fs = record };
        });

    public Task<ListFsReply> ListFs(ListFsRequest request, ServerCallContext context) =>
        Serve<ListFsReply>(context, "ListFs", async token =>
        {
            var records = await filesystems.ListAsync(token).ConfigureAwait(false);
            return new ListFsReply { Status = MdsStatus.Ok, Filesystems = records.Select(r => r with { S3 = r.S3.WithoutSecret() }).ToList() };
        });

    /// <summary>Deletes the record (and the filesystem's partition records) unless the filesystem has open sessions.</summary>
    public Task<FsReply> DeleteFs(DeleteFsRequest request, ServerCallContext context) =>
        Serve<FsReply>(context, $"DeleteFs {request.Name}", async token =>
        {
            var existing = await filesystems.GetByNameAsync(request.Name, token).ConfigureAwait(false);
            if (existing is null) return new FsReply { Status = MdsStatus.NotFound, Message = $"no filesystem is called '{request.Name}'" };
            using (await topology.Locks.AcquireAsync(existing.Info.FsId, token).ConfigureAwait(false))
            {
                var mounts = await topology.Sessions.ListAsync(existing.Info.FsId, token).ConfigureAwait(false);
                if (mounts.Count > 0)
                    return new FsReply
                    {
                        Status = MdsStatus.BadRequest,
                        Message = $"filesystem '{request.Name}' is mounted ({mounts.Count} session{(mounts.Count == 1 ? "" : "s")}: " +
                                  string.Join(", ", mounts.Take(5).Select(m => $"session {m.SessionId} at {m.Host}:{m.MountPoint} pid {m.Pid}")) +
                                  (mounts.Count > 5 ? ", ..." : "") +
                                  $"): unmount it everywhere first, or wait until the sessions of stopped mounts expire ({topology.Timings.SessionLease.TotalSeconds:0} s without heartbeats)",
                    };
                var record = await filesystems.DeleteAsync(request.Name, token).ConfigureAwait(false);
                topology.Partitions.ForgetCounts();
                return record is null
                    ? new FsReply { Status = MdsStatus.NotFound, Message = $"no filesystem is called '{request.Name}'" }
                    : new FsReply { Status = MdsStatus.Ok, Fs = record with { S3 = record.S3.WithoutSecret() } };
            }
        });

    public Task<AllocateChunkIdsReply> AllocateChunkIds(AllocateChunkIdsRequest request, ServerCallContext context) =>
        Serve<AllocateChunkIdsReply>(context, $"AllocateChunkIds {request.Count}", async token =>
        {
            if (request.Count is 0 or > AllocateChunkIdsRequest.MaxCount)
                return new AllocateChunkIdsReply { Status = MdsStatus.BadRequest, Message = $"count {request.Count} is not between 1 and {AllocateChunkIdsRequest.MaxCount}" };
            var range = await chunkIds.ReserveAsync(request.Count, token).ConfigureAwait(false);
            return new AllocateChunkIdsReply { Status = MdsStatus.Ok, Start = range.Start, Count = range.Count };
        });

    public Task<MdsStatusReply> Status(MdsStatusRequest request, ServerCallContext context)
    {
        var election = Election;
        var leader = election?.KnownLeader;
        var isLeader = election?.IsLeader == true;
        return Task.FromResult(new MdsStatusReply
        {
            Status = MdsStatus.Ok,
            NodeName = name,
            Role = isLeader ? MdsRole.Leader : MdsRole.Standby,
            RpcEndpoint = RpcEndpoint,
            LeaderName = isLeader ? name : leader?.Name,
            LeaderEndpoint = isLeader ? RpcEndpoint : leader?.RpcEndpoint,
            EtcdError = election?.EtcdError,
        });
    }

    /// <summary>Runs <paramref name="handle"/> on the leader within the request timeout, turning failures into statuses.</summary>
    private async Task<TReply> Serve<TReply>(ServerCallContext context, string what, Func<CancellationToken, Task<TReply>> handle, TimeSpan? timeout = null)
        where TReply : MdsReply, new()
    {
        var election = Election;
        if (election is null || !election.IsLeader) return NotServing<TReply>(election);
        var limit = timeout ?? RequestTimeout;
        using var timer = CancellationTokenSource.CreateLinkedTokenSource(context.CancellationToken);
        timer.CancelAfter(limit);
        try
        {
            return await handle(timer.Token).ConfigureAwait(false);
        }
        catch (EtcdException e)
        {
            logger.LogDebug("MDS {Name}: {What} not served: {Message}", name, what, e.Message);
            return new TReply { Status = MdsStatus.Unavailable, Message = $"MDS {name}: {e.Message}" };
        }
        catch (NoCopysetException e)
        {
            return new TReply { Status = MdsStatus.Unavailable, Message = $"MDS {name}: {e.Message}" };
        }
        catch (CopysetUnreachableException e)
        {
            logger.LogDebug("MDS {Name}: {What} not served: {Message}", name, what, e.Message);
            return new TReply { Status = MdsStatus.Unavailable, Message = $"MDS {name}: {e.Message}" };
        }
        catch (OperationCanceledException) when (!context.CancellationToken.IsCancellationRequested)
        {
            return new TReply
            {
                Status = MdsStatus.Unavailable,
                Message = limit == RequestTimeout
                    ? $"MDS {name}: etcd at {etcd.EndpointList} did not complete {what} within {limit.TotalSeconds:0.#} s: is etcd running and healthy?"
                    : $"MDS {name}: {what} did not complete within {limit.TotalSeconds:0.#} s (etcd at {etcd.EndpointList} or a copyset was too slow); retry",
            };
        }
        catch (OperationCanceledException)
        {
            return new TReply { Status = MdsStatus.Unavailable, Message = $"MDS {name}: the call ended (deadline or cancellation) before {what} completed" };
        }
        catch (ArgumentException e)
        {
            return new TReply { Status = MdsStatus.BadRequest, Message = e.Message };
        }
        catch (Exception e)
        {
            logger.LogError(e, "MDS {Name}: {What} failed: {Message}", name, what, e.Message);
            return new TReply { Status = MdsStatus.Internal, Message = $"MDS {name}: {what} failed: {e.GetType().Name}: {e.Message}" };
        }
    }

    private TReply NotServing<TReply>(LeaderElection? election) where TReply : MdsReply, new()
    {
        if (election?.KnownLeader is { } leader && leader.Name != name)
            return new TReply { Status = MdsStatus.NotLeader, LeaderEndpoint = leader.RpcEndpoint, Message = $"MDS {name} is a standby; the leader is {leader.Name} at {leader.RpcEndpoint}" };
        var why = election?.EtcdError is { } error
            ? $"MDS {name} knows no leader and cannot reach etcd: {error}"
            : election is null ? $"MDS {name} is starting" : $"MDS {name} knows no leader yet (an election is in progress)";
        return new TReply { Status = MdsStatus.Unavailable, Message = why };
    }
}
