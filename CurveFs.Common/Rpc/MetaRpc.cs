using Grpc.Core;

namespace CurveFs.Common.Rpc;

/// <summary>
/// The metaserver's gRPC service: the one place that names it and its methods, shared by the server
/// (which binds handlers to these descriptors) and the client (which invokes them). Unary calls over
/// HTTP/2; payloads are MessagePack objects (see docs/rpc.md). Names are part of the wire format.
/// </summary>
public static class MetaRpc
{
    public const string ServiceName = "curvefs.meta.MetaService";

    /// <summary>Applies a numbered command in one copyset.</summary>
    public static readonly Method<ExecuteRequest, ExecuteReply> Execute = Unary<ExecuteRequest, ExecuteReply>("Execute");

    /// <summary>Runs a read-only query in one copyset.</summary>
    public static readonly Method<QueryRequest, QueryReply> Query = Unary<QueryRequest, QueryReply>("Query");

    /// <summary>Lists the copysets a metaserver hosts and their state.</summary>
    public static readonly Method<StatusRequest, StatusReply> Status = Unary<StatusRequest, StatusReply>("Status");

    private static Method<TRequest, TReply> Unary<TRequest, TReply>(string name) =>
        new(MethodType.Unary, ServiceName, name, MessagePackMarshaller.Create<TRequest>(), MessagePackMarshaller.Create<TReply>());
}
