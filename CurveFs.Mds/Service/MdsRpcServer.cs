using System.Net;
using CurveFs.Common.Rpc;
using Microsoft.Extensions.Logging;

namespace CurveFs.Mds.Service;

/// <summary>The MDS's gRPC endpoint: a <see cref="GrpcServer"/> serving <see cref="MdsRpc"/> through <see cref="MdsRpcService"/>.</summary>
internal static class MdsRpcServer
{
    public static async Task<GrpcServer> StartAsync(IPEndPoint endpoint, MdsRpcService service, ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        var server = await GrpcServer.StartAsync(endpoint, "curvefs-mds", service, context =>
        {
            context.AddUnaryMethod(MdsRpc.CreateFs, [], (s, request, call) => s.CreateFs(request, call));
            context.AddUnaryMethod(MdsRpc.GetFs, [], (s, request, call) => s.GetFs(request, call));
            context.AddUnaryMethod(MdsRpc.ListFs, [], (s, request, call) => s.ListFs(request, call));
            context.AddUnaryMethod(MdsRpc.DeleteFs, [], (s, request, call) => s.DeleteFs(request, call));
            context.AddUnaryMethod(MdsRpc.AllocateChunkIds, [], (s, request, call) => s.AllocateChunkIds(request, call));
            context.AddUnaryMethod(MdsRpc.Status, [], (s, request, call) => s.Status(request, call));
            context.AddUnaryMethod(MdsRpc.RegisterMetaServer, [], (s, request, call) => s.RegisterMetaServer(request, call));
            context.AddUnaryMethod(MdsRpc.ListMetaServers, [], (s, request, call) => s.ListMetaServers(request, call));
            context.AddUnaryMethod(MdsRpc.GetTopology, [], (s, request, call) => s.GetTopology(request, call));
            context.AddUnaryMethod(MdsRpc.NewPartition, [], (s, request, call) => s.NewPartition(request, call));
            context.AddUnaryMethod(MdsRpc.OpenSession, [], (s, request, call) => s.OpenSession(request, call));
            context.AddUnaryMethod(MdsRpc.Heartbeat, [], (s, request, call) => s.Heartbeat(request, call));
            context.AddUnaryMethod(MdsRpc.CloseSession, [], (s, request, call) => s.CloseSession(request, call));
            context.AddUnaryMethod(MdsRpc.ListSessions, [], (s, request, call) => s.ListSessions(request, call));
        }, loggers, cancellationToken).ConfigureAwait(false);
        return server;
    }
}
